// Invitations and registrations pages. Loaded as a file: the CSP forbids inline scripts.

// A button with data-confirm asks before its form is submitted.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// "Select all" checkbox of a table, and a live count of the selection.
function updateSelectedCount(form) {
  const label = form.querySelector("[data-selected-count]");
  if (!label) return;
  const n = form.querySelectorAll("input[name='registrations']:checked").length;
  label.textContent = n ? label.dataset.label.replace("__N__", n) : "";
}

document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  const form = event.target.form;
  if (all && form) {
    form.querySelectorAll(`input[name='${all.dataset.selectAll}']`).forEach((box) => {
      box.checked = all.checked;
    });
  }
  if (form) updateSelectedCount(form);
});

// Registration: the "not listed? propose it" fields show only while no
// organisation is chosen in the list (they are ignored once one is).
function syncNewOrganisation() {
  const select = document.querySelector("select[name='organisation']");
  const block = document.querySelector(".new-organisation");
  if (!select || !block) return;
  block.hidden = select.value !== "";
}
document.addEventListener("change", (event) => {
  if (event.target.matches("select[name='organisation']")) syncNewOrganisation();
});
document.addEventListener("DOMContentLoaded", syncNewOrganisation);
