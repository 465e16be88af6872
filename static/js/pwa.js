// The installable web app, page side (the worker is templates/pwa/sw.js, served at /sw.js).
// Loaded as a file with defer: the CSP forbids inline scripts.
// - registers the service worker;
// - shows the "Offline — last updated at …" line when the page came from the
//   worker's cache (it marks <html data-pwa-offline-at>) or the network drops;
// - forgets the cached personal pages before a logout form is sent.
"use strict";

(() => {
  const script = document.currentScript;
  const workerUrl = script && script.dataset.worker;
  const logoutUrl = script && script.dataset.logout;
  const loadedAt = new Date();

  if ("serviceWorker" in navigator && workerUrl) {
    navigator.serviceWorker.register(workerUrl, { scope: "/" }).catch(() => {
      // Not installable here (e.g. plain HTTP on another host): the site works as before.
    });
  }

  // The offline line ----------------------------------------------------------
  const banner = document.querySelector("[data-offline-banner]");
  const cachedAt = document.documentElement.dataset.pwaOfflineAt;

  // The page's language, in the device's regional variant when they agree (en-GB, not en-US).
  function displayLocale() {
    const page = document.documentElement.lang || navigator.language;
    const device = navigator.language || page;
    return device.split("-")[0] === page.split("-")[0] ? device : page;
  }

  function showOffline(at) {
    if (!banner) {
      return;
    }
    const time = banner.querySelector("[data-offline-time]");
    if (time) {
      time.dateTime = at.toISOString();
      time.textContent = at.toLocaleString(displayLocale(), {
        dateStyle: "medium",
        timeStyle: "short",
      });
    }
    banner.hidden = false;
  }

  if (cachedAt && !Number.isNaN(Date.parse(cachedAt))) {
    showOffline(new Date(cachedAt));
  } else {
    // Loaded from the network: what is shown is as old as this page.
    if (!navigator.onLine) {
      showOffline(loadedAt);
    }
    window.addEventListener("offline", () => showOffline(loadedAt));
    window.addEventListener("online", () => {
      if (banner) {
        banner.hidden = true;
      }
    });
  }

  // Logout: no personal page stays on the device --------------------------------
  function forgetPersonalPages() {
    const controller = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (controller) {
      controller.postMessage({ type: "logout" });
    }
    if (!("caches" in window)) {
      return Promise.resolve();
    }
    return caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((name) => name.startsWith("portal-personal")).map((name) => caches.delete(name)),
        ),
      )
      .catch(() => null);
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !logoutUrl || event.defaultPrevented) {
      return;
    }
    if (new URL(form.action, document.baseURI).pathname !== logoutUrl) {
      return;
    }
    event.preventDefault();
    // The logout is sent whatever happens to the caches (the worker also forgets
    // them when it sees the logout pass, and when a page answers for no one).
    forgetPersonalPages().finally(() => form.submit());
  });
})();
