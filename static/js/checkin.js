// Check-in desk: scan a badge's QR code with the device camera and submit its code.
// Uses the browser's BarcodeDetector where there is one, otherwise the vendored jsQR
// (static/vendor/jsqr), loaded only when the camera starts. Loaded as a file: the CSP
// forbids inline scripts. Without a camera, the typed code and the name search still work.
(() => {
  "use strict";

  const scanner = document.querySelector("[data-scanner]");
  const form = document.querySelector("[data-scan-form]");
  if (!scanner || !form) {
    return;
  }
  const frame = scanner.querySelector("[data-scanner-frame]");
  const video = scanner.querySelector("video");
  const status = scanner.querySelector("[data-scanner-status]");
  const startButton = scanner.querySelector("[data-scan-start]");
  const stopButton = scanner.querySelector("[data-scan-stop]");
  const codeInput = form.querySelector("input[name=code]");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });

  let stream = null;
  let detector = null;
  let timer = null;
  let lastCode = "";
  let lastSeen = 0;

  const say = (key) => {
    status.textContent = scanner.dataset[key] || "";
  };

  const loadJsQR = () =>
    new Promise((resolve, reject) => {
      if (window.jsQR) {
        resolve(window.jsQR);
        return;
      }
      const script = document.createElement("script");
      script.src = scanner.dataset.jsqrSrc;
      script.onload = () => resolve(window.jsQR);
      script.onerror = reject;
      document.head.appendChild(script);
    });

  const makeDetector = async () => {
    if ("BarcodeDetector" in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.includes("qr_code")) {
          const native = new window.BarcodeDetector({ formats: ["qr_code"] });
          return async (source) => {
            const codes = await native.detect(source);
            return codes.length ? codes[0].rawValue : null;
          };
        }
      } catch (error) {
        // Fall through to jsQR.
      }
    }
    const jsQR = await loadJsQR();
    return async (source) => {
      const width = source.videoWidth;
      const height = source.videoHeight;
      if (!width || !height) {
        return null;
      }
      canvas.width = width;
      canvas.height = height;
      context.drawImage(source, 0, 0, width, height);
      const image = context.getImageData(0, 0, width, height);
      const found = jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
      return found ? found.data : null;
    };
  };

  const submit = (code) => {
    codeInput.value = code;
    if (navigator.vibrate) {
      navigator.vibrate(80);
    }
    form.requestSubmit();
  };

  const tick = async () => {
    if (!stream) {
      return;
    }
    try {
      const code = await detector(video);
      const now = Date.now();
      if (code) {
        // A badge stays in view for a while: submit it once, and again only
        // after it has been out of view for a few seconds.
        const fresh = code !== lastCode || now - lastSeen > 3000;
        lastCode = code;
        lastSeen = now;
        if (fresh) {
          say("msgFound");
          submit(code.trim());
        }
      }
    } catch (error) {
      // A frame that cannot be read is skipped.
    }
    timer = window.setTimeout(tick, 250);
  };

  const stop = () => {
    window.clearTimeout(timer);
    if (stream) {
      stream.getTracks().forEach((track) => track.stop());
    }
    stream = null;
    video.srcObject = null;
    frame.classList.add("d-none");
    stopButton.classList.add("d-none");
    startButton.classList.remove("d-none");
  };

  const start = async () => {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("msgUnavailable");
      return;
    }
    say("msgStarting");
    try {
      detector = detector || (await makeDetector());
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" },
        audio: false,
      });
    } catch (error) {
      say("msgUnavailable");
      stop();
      return;
    }
    video.srcObject = stream;
    await video.play();
    frame.classList.remove("d-none");
    startButton.classList.add("d-none");
    stopButton.classList.remove("d-none");
    say("msgScanning");
    tick();
  };

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  window.addEventListener("pagehide", stop);

  // After each check-in: clear the typed code and move focus to the outcome,
  // so a screen reader announces it and the next badge can be scanned at once.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "checkin-result") {
      codeInput.value = "";
      const card = event.detail.target.querySelector(".checkin-card");
      if (!card) {
        return;
      }
      if (stream) {
        say("msgNext");
      } else {
        card.focus({ preventScroll: true });
      }
      card.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  });
})();
