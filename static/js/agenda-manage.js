// The organisers' timetable: move a session by dragging it (sideways to
// another room), resize it by the grip at its bottom, click an empty slot to
// start a session there, or use the keyboard
// (Alt+arrows; Alt+Shift+Up/Down for its length). Every change is saved at
// once with fetch (no page reload) and the conflict and publish panels are
// refreshed from the server's answer. Without JS each session is a link to
// its form, which has the same fields.
(() => {
  const grid = document.getElementById("tt-grid");
  if (!grid) {
    return;
  }
  const STEP = Number(grid.dataset.step || 5);
  const firstMinute = Number(grid.dataset.firstMinute);
  const day = grid.dataset.day;
  const status = document.getElementById("tt-status");
  const errorBox = document.getElementById("tt-error");
  const rooms = Array.from(grid.querySelectorAll(".tt-room[data-col]"));
  const maxRow = Math.max(...Array.from(grid.querySelectorAll(".tt-hour")).map(
    (el) => Number(getComputedStyle(el).gridRowEnd) || 2,
  ));

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function place(el) {
    const style = getComputedStyle(el);
    return {
      col: Number(style.gridColumnStart),
      start: Number(style.gridRowStart),
      end: Number(style.gridRowEnd),
    };
  }

  function setPlace(el, p) {
    el.style.gridColumn = String(p.col);
    el.style.gridRowStart = String(p.start);
    el.style.gridRowEnd = String(p.end);
  }

  function timeOf(row) {
    const minutes = firstMinute + (row - 2) * STEP;
    const h = String(Math.floor(minutes / 60)).padStart(2, "0");
    const m = String(minutes % 60).padStart(2, "0");
    return `${day}T${h}:${m}`;
  }

  function roomOf(col) {
    const header = rooms.find((r) => Number(r.dataset.col) === col);
    return header ? header.dataset.room : "";
  }

  function rowHeight() {
    const probe = grid.querySelector(".tt-line");
    const hour = grid.querySelector(".tt-hour");
    return hour ? hour.getBoundingClientRect().height / (60 / STEP) : probe.offsetHeight || 9;
  }

  function announce(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function showError(text) {
    if (!errorBox) {
      return;
    }
    errorBox.textContent = text;
    errorBox.classList.toggle("d-none", !text);
  }

  function refreshPanels(data) {
    const conflicts = document.getElementById("agenda-conflicts");
    const changes = document.getElementById("agenda-changes");
    if (conflicts && data.conflicts_html !== undefined) {
      conflicts.innerHTML = data.conflicts_html;
    }
    if (changes && data.changes_html !== undefined) {
      changes.innerHTML = data.changes_html;
    }
    if (data.conflict_ids) {
      const ids = new Set(data.conflict_ids.map(String));
      for (const el of grid.querySelectorAll(".tt-session")) {
        el.classList.toggle("has-conflict", ids.has(el.dataset.id));
      }
    }
  }

  async function save(el, p, previous) {
    const body = new URLSearchParams({
      room: roomOf(p.col),
      starts_at: timeOf(p.start),
      ends_at: timeOf(p.end),
    });
    el.classList.add("is-saving");
    try {
      const response = await fetch(el.dataset.moveUrl, {
        method: "POST",
        headers: {
          Accept: "application/json",
          "X-CSRFToken": csrfToken(),
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body,
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok || !data.ok) {
        throw new Error(data.error || response.statusText);
      }
      const label = el.querySelector(".tt-time");
      if (label) {
        label.textContent = data.session.label;
      }
      el.dataset.room = data.session.room || "";
      showError("");
      refreshPanels(data);
      announce(`${el.querySelector(".tt-title").textContent}: ${data.session.label}`);
    } catch (err) {
      setPlace(el, previous);
      showError(err.message || String(err));
      announce(err.message || String(err));
    } finally {
      el.classList.remove("is-saving");
    }
  }

  function clampPlace(p) {
    const length = p.end - p.start;
    const lastCol = rooms.length ? Math.max(...rooms.map((r) => Number(r.dataset.col))) : 2;
    p.col = Math.min(Math.max(p.col, 2), lastCol);
    p.start = Math.max(2, p.start);
    p.end = Math.max(p.start + 1, p.start + length);
    if (maxRow > 2 && p.end > maxRow) {
      p.end = maxRow;
      p.start = Math.max(2, p.end - length);
    }
    return p;
  }

  function columnAt(x) {
    for (const header of rooms) {
      const box = header.getBoundingClientRect();
      if (x >= box.left && x < box.right) {
        return Number(header.dataset.col);
      }
    }
    return null;
  }

  // Pointer: drag to move, drag the bottom edge to resize.
  let drag = null;
  grid.addEventListener("pointerdown", (event) => {
    const el = event.target.closest(".tt-session");
    if (!el || event.button !== 0) {
      return;
    }
    drag = {
      el,
      resize: Boolean(event.target.closest(".tt-resize")),
      x: event.clientX,
      y: event.clientY,
      origin: place(el),
      moved: false,
    };
    el.setPointerCapture(event.pointerId);
  });

  grid.addEventListener("pointermove", (event) => {
    if (!drag) {
      return;
    }
    const dy = event.clientY - drag.y;
    const dx = event.clientX - drag.x;
    if (!drag.moved && Math.abs(dy) < 4 && Math.abs(dx) < 4) {
      return;
    }
    drag.moved = true;
    drag.el.classList.add("is-dragging");
    const rows = Math.round(dy / rowHeight());
    const p = { ...drag.origin };
    if (drag.resize) {
      p.end = Math.max(p.start + 1, drag.origin.end + rows);
    } else {
      p.start = drag.origin.start + rows;
      p.end = drag.origin.end + rows;
      const col = columnAt(event.clientX);
      if (col) {
        p.col = col;
      }
    }
    setPlace(drag.el, clampPlace(p));
  });

  function endDrag() {
    if (!drag) {
      return;
    }
    const { el, origin, moved } = drag;
    el.classList.remove("is-dragging");
    drag = null;
    lastDragEnd = Date.now();
    if (!moved) {
      return;
    }
    // A drag is not a click: keep the link from opening the form.
    el.addEventListener("click", (e) => e.preventDefault(), { once: true, capture: true });
    const p = place(el);
    if (p.col !== origin.col || p.start !== origin.start || p.end !== origin.end) {
      save(el, p, origin);
    }
  }
  grid.addEventListener("pointerup", endDrag);
  grid.addEventListener("pointercancel", () => {
    if (drag) {
      setPlace(drag.el, drag.origin);
      drag.el.classList.remove("is-dragging");
      drag = null;
    }
  });
  // Links would otherwise start the browser's own drag of the URL.
  grid.addEventListener("dragstart", (event) => event.preventDefault());

  // An empty slot: a click opens the new-session form with its room, day and
  // start time (to the quarter hour) filled in. A dashed ghost shows where.
  const QUARTER = 15;
  const ghost = document.createElement("div");
  ghost.className = "tt-ghost";
  ghost.setAttribute("aria-hidden", "true");
  grid.appendChild(ghost);
  let lastDragEnd = 0;

  function slotAt(event) {
    if (event.target !== grid) {
      return null; // a session, a room header or an hour label
    }
    const col = columnAt(event.clientX);
    const firstHour = grid.querySelector(".tt-hour");
    if (!col || !firstHour) {
      return null;
    }
    const offset = Math.floor((event.clientY - firstHour.getBoundingClientRect().top) / rowHeight());
    if (offset < 0) {
      return null;
    }
    const minutes = Math.floor((firstMinute + offset * STEP) / QUARTER) * QUARTER;
    const start = 2 + (minutes - firstMinute) / STEP;
    if (maxRow > 2 && start >= maxRow) {
      return null;
    }
    const end = maxRow > 2 ? Math.min(maxRow, start + 60 / STEP) : start + 60 / STEP;
    return { col, start, end, room: roomOf(col), time: timeOf(start) };
  }

  grid.addEventListener("mousemove", (event) => {
    const slot = drag ? null : slotAt(event);
    ghost.classList.toggle("is-shown", Boolean(slot));
    if (slot) {
      setPlace(ghost, slot);
      ghost.textContent = `+ ${slot.time.slice(11)} ${grid.dataset.newLabel || ""}`;
    }
  });
  grid.addEventListener("mouseleave", () => ghost.classList.remove("is-shown"));

  grid.addEventListener("click", (event) => {
    if (Date.now() - lastDragEnd < 400) {
      return;
    }
    const slot = slotAt(event);
    if (!slot || !grid.dataset.newUrl) {
      return;
    }
    const query = new URLSearchParams({ room: slot.room, starts_at: slot.time });
    window.location.assign(`${grid.dataset.newUrl}?${query}`);
  });

  // Keyboard: Alt+arrows move; Alt+Shift+Up/Down resize. Saved after a pause.
  const pending = new Map();
  grid.addEventListener("keydown", (event) => {
    const el = event.target.closest(".tt-session");
    if (!el || !event.altKey) {
      return;
    }
    const keys = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"];
    if (!keys.includes(event.key)) {
      return;
    }
    event.preventDefault();
    const before = pending.get(el)?.origin || place(el);
    const p = place(el);
    if (event.shiftKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      p.end = Math.max(p.start + 1, p.end + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      const delta = event.key === "ArrowDown" ? 1 : -1;
      p.start += delta;
      p.end += delta;
    } else {
      p.col += event.key === "ArrowRight" ? 1 : -1;
    }
    setPlace(el, clampPlace(p));
    announce(`${timeOf(p.start).slice(11)}–${timeOf(p.end).slice(11)}`);
    clearTimeout(pending.get(el)?.timer);
    pending.set(el, {
      origin: before,
      timer: setTimeout(() => {
        pending.delete(el);
        save(el, place(el), before);
      }, 600),
    });
  });
})();
