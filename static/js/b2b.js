// B2B meetings: small enhancements. Loaded as a file: the CSP forbids inline scripts.
//
// 1. Forms with data-confirm ask before they submit (cancelling a meeting).
// 1b. A group of checkboxes with data-max-checked (proposed times) disables
//     the unchecked ones once the most allowed are ticked (the server refuses
//     more anyway).
// 2. The organisers' grid: drag a meeting onto a free cell to move it. The
//    drop does not save anything: it opens the move form for that slot and
//    table, which shows the conflicts first and saves only on confirmation.
//    Without a mouse, the same form is reached through each meeting's page.

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

document.querySelectorAll("[data-max-checked]").forEach((group) => {
  const max = Number(group.dataset.maxChecked);
  const boxes = Array.from(group.querySelectorAll("input[type=checkbox]"));
  const update = () => {
    const full = boxes.filter((box) => box.checked).length >= max;
    boxes.forEach((box) => {
      box.disabled = full && !box.checked;
    });
  };
  group.addEventListener("change", update);
  update();
});

(() => {
  const grid = document.querySelector("[data-b2b-grid]");
  if (!grid) {
    return;
  }
  let dragged = null;

  grid.addEventListener("dragstart", (event) => {
    const card = event.target.closest("[data-move-url]");
    if (!card) {
      return;
    }
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.moveUrl);
  });

  grid.addEventListener("dragend", () => {
    if (dragged) {
      dragged.classList.remove("is-dragging");
    }
    dragged = null;
    grid.querySelectorAll(".drop-target").forEach((cell) => cell.classList.remove("drop-target"));
  });

  grid.addEventListener("dragover", (event) => {
    const cell = event.target.closest("[data-drop-slot]");
    if (dragged && cell) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      cell.classList.add("drop-target");
    }
  });

  grid.addEventListener("dragleave", (event) => {
    const cell = event.target.closest("[data-drop-slot]");
    if (cell && !cell.contains(event.relatedTarget)) {
      cell.classList.remove("drop-target");
    }
  });

  grid.addEventListener("drop", (event) => {
    const cell = event.target.closest("[data-drop-slot]");
    if (!dragged || !cell) {
      return;
    }
    event.preventDefault();
    const url = new URL(dragged.dataset.moveUrl, window.location.href);
    url.searchParams.set("slot", cell.dataset.dropSlot);
    url.searchParams.set("table", cell.dataset.dropTable);
    window.location.assign(url.toString());
  });
})();
