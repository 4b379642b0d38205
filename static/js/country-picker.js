// Country picker: progressive enhancement of templates/components/country_picker.html.
// Without JavaScript the picker is ticked boxes plus a text box with a <datalist>; with it,
// typing shows matching names in a listbox (ARIA combobox) and a pick becomes a removable
// token holding a hidden `country=<iso2>` input, so the URL and the API stay the same.
(function () {
  "use strict";

  var MAX_SUGGESTIONS = 8;

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(picker, pickerIndex) {
    var input = picker.querySelector('input[type="text"]');
    var datalist = picker.querySelector("datalist");
    if (!input || !datalist) return;
    var name = input.name;
    var removeLabel = picker.dataset.removeLabel || "Remove";
    var countries = Array.prototype.map.call(datalist.options, function (option) {
      return { name: option.value, code: option.dataset.code, folded: fold(option.value) };
    });

    // Chosen countries become tokens; the extra text boxes give way to the typeahead.
    var tokens = document.createElement("ul");
    tokens.className = "picker-tokens";
    tokens.setAttribute("aria-label", picker.dataset.chosenLabel || "");
    picker.insertBefore(tokens, picker.firstChild);
    picker.querySelectorAll(".picker-chosen input:checked").forEach(function (box) {
      addToken({ code: box.value, name: box.parentNode.textContent.trim() });
    });
    var chosenList = picker.querySelector(".picker-chosen");
    if (chosenList) chosenList.remove();
    picker.querySelectorAll(".picker-more").forEach(function (box) {
      var label = picker.querySelector('label[for="' + box.id + '"]');
      if (label) label.remove();
      box.remove();
    });

    var listbox = document.createElement("ul");
    listbox.id = (input.id || "country-picker-" + pickerIndex) + "-listbox";
    listbox.className = "picker-listbox";
    listbox.setAttribute("role", "listbox");
    listbox.hidden = true;
    input.insertAdjacentElement("afterend", listbox);
    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);

    var matches = [];
    var active = -1;

    function addToken(country) {
      if (tokens.querySelector('input[value="' + country.code + '"]')) return;
      var item = document.createElement("li");
      item.className = "picker-token";
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = name;
      hidden.value = country.code;
      var text = document.createElement("span");
      text.textContent = country.name;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "picker-remove";
      remove.setAttribute("aria-label", removeLabel + " " + country.name);
      remove.textContent = "×";
      remove.addEventListener("click", function () {
        item.remove();
        input.focus();
      });
      item.append(hidden, text, remove);
      tokens.appendChild(item);
    }

    function close() {
      listbox.hidden = true;
      listbox.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      matches = [];
      active = -1;
    }

    function highlight(index) {
      var options = listbox.querySelectorAll('[role="option"]');
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
    }

    function pick(country) {
      addToken(country);
      input.value = "";
      close();
      input.focus();
    }

    function suggest() {
      var typed = fold(input.value.trim());
      close();
      if (!typed) return;
      var starts = [];
      var contains = [];
      countries.forEach(function (country) {
        if (country.folded.indexOf(typed) === 0 || country.code === typed) starts.push(country);
        else if (country.folded.indexOf(typed) > 0) contains.push(country);
      });
      matches = starts.concat(contains).slice(0, MAX_SUGGESTIONS);
      if (!matches.length) {
        var none = document.createElement("li");
        none.className = "picker-none";
        none.textContent = picker.dataset.noMatch || "";
        listbox.appendChild(none);
      }
      matches.forEach(function (country, index) {
        var option = document.createElement("li");
        option.id = listbox.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = country.name;
        // mousedown, not click: it comes before the input's blur closes the list.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          pick(country);
        });
        listbox.appendChild(option);
      });
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    input.addEventListener("input", suggest);
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && matches.length) {
        event.preventDefault();
        highlight((active + 1) % matches.length);
      } else if (event.key === "ArrowUp" && matches.length) {
        event.preventDefault();
        highlight((active - 1 + matches.length) % matches.length);
      } else if (event.key === "Enter" && !listbox.hidden && matches.length) {
        event.preventDefault();
        pick(matches[Math.max(active, 0)]);
      } else if (event.key === "Escape" && !listbox.hidden) {
        event.preventDefault();
        close();
      }
    });
    // An empty box would add `country=` to the address: leave it out.
    input.form.addEventListener("submit", function () {
      input.disabled = !input.value.trim();
    });
    window.addEventListener("pageshow", function () {
      input.disabled = false; // back from the results: the box is usable again
    });
  }

  document.querySelectorAll("[data-country-picker]").forEach(enhance);
})();
