// Country page: an address that points into a folded timeline (#indicator-…, #status-…)
// opens the folds (<details>) around its target, on arrival and on every in-page link.
// Without JavaScript the link still scrolls to the fold, which the reader opens.
(function () {
  "use strict";

  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) {
      return;
    }
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") {
        node.open = true;
      }
    }
    target.scrollIntoView();
  }

  window.addEventListener("hashchange", openTarget);
  // A link to the address already shown fires no hashchange: open its fold all the same.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#"]');
    if (link && link.hash === window.location.hash) {
      window.setTimeout(openTarget, 0);
    }
  });
  openTarget();
})();
