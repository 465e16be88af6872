// Public agenda: mark the sessions the signed-in delegate has a place in.
// The list itself is cached for everyone, so the marks are added here from
// the per-viewer JSON block (#my-sessions) of the page.
(() => {
  const data = document.getElementById("my-sessions");
  if (!data) {
    return;
  }
  const mine = JSON.parse(data.textContent);
  // Translated labels come from the page.
  const text = document.getElementById("my-sessions-labels")?.dataset || {};
  const labels = { confirmed: text.confirmed || "", waitlisted: text.waitlisted || "" };
  for (const entry of mine) {
    const item = document.querySelector(`.agenda-item[data-session="${entry.id}"]`);
    if (!item) {
      continue;
    }
    item.classList.add("is-mine");
    const mark = item.querySelector(".my-mark");
    if (mark) {
      mark.textContent = labels[entry.status] || "";
      mark.classList.add(`is-${entry.status}`);
      mark.hidden = false;
    }
  }
})();
