// Small progressive enhancements. Loaded as a file: the CSP forbids inline scripts.

// A select marked data-autosubmit applies its form as soon as it is changed with
// the mouse. With the keyboard the arrow keys change the value at every press:
// reloading the page then would throw the user out of the list (WCAG 3.2.2), so
// a change made with keys applies on Enter (or the form's own button).
const keyedSelects = new WeakSet();

function autosubmitSelect(event) {
  return event.target instanceof Element ? event.target.closest("select[data-autosubmit]") : null;
}

document.addEventListener("keydown", (event) => {
  const select = autosubmitSelect(event);
  if (!select || !select.form) {
    return;
  }
  if (event.key === "Enter") {
    event.preventDefault();
    select.form.requestSubmit();
  } else if (!["Tab", "Shift", "Control", "Alt", "Meta"].includes(event.key)) {
    keyedSelects.add(select);
  }
});

document.addEventListener("pointerdown", (event) => {
  const select = autosubmitSelect(event);
  if (select) {
    keyedSelects.delete(select);
  }
});

document.addEventListener("change", (event) => {
  const select = autosubmitSelect(event);
  if (select && select.form && !keyedSelects.has(select)) {
    select.form.requestSubmit();
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
