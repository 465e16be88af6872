// The API pages: copy a secret shown once. Loaded as a file: the CSP forbids inline scripts.

// A button with data-copy="<id of an input>" copies that input's value; it is
// hidden in the markup and shown here, so without JavaScript no dead button shows.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.hidden = false;
  });
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  if (!field) return;
  field.focus();
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    // Without the Clipboard API (plain http): the selection is there to copy by hand.
    document.execCommand("copy");
  }
  const label = button.querySelector("span");
  if (label && button.dataset.copied) {
    label.textContent = button.dataset.copied;
  }
});

// Focusing a read-only secret selects it all, ready to copy.
document.addEventListener("focusin", (event) => {
  if (event.target.matches("[data-select-on-focus]")) {
    event.target.select();
  }
});
