// skdigits serve: the drawing page.
//
// The pad is dark ink on white, like a pen on paper; the server prepares it
// MNIST-style (inverted, cropped, fitted into 20x20, centred by mass) and
// answers with the probabilities and the 28x28 image the model was given.
// When the model is unsure (its top probability below the model's "not sure"
// threshold), the page says "not sure" and names the two likeliest digits.
// Requests are throttled while drawing: at most one in flight, the next one
// sent when it returns, so the answer follows the pen without piling up.
"use strict";

(() => {
  const pad = document.getElementById("pad");
  const ink = pad.getContext("2d");
  const penLayer = document.getElementById("pen").getContext("2d");
  const preview = document.getElementById("preview").getContext("2d");
  const prediction = document.getElementById("prediction");
  const confidence = document.getElementById("confidence");
  const verdict = document.getElementById("verdict");
  const statusLine = document.getElementById("status");
  const barList = document.getElementById("bars");
  const upload = document.getElementById("upload");
  const results = document.getElementById("results");

  const LINE_WIDTH = 20;  // on the 280-pixel pad: MNIST-like strokes
  const WAIT_MS = 120;  // gather this long before asking while drawing
  const KEY_STEP = 14, KEY_STEP_SMALL = 4;

  let classes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  let maxBytes = 10 * 1024 * 1024;
  let hasInk = false;

  // ---- the pad -------------------------------------------------------------

  function blankPad() {
    ink.fillStyle = "#ffffff";
    ink.fillRect(0, 0, pad.width, pad.height);
    hasInk = false;
  }

  function line(x0, y0, x1, y1) {
    ink.strokeStyle = "#000000";
    ink.lineWidth = LINE_WIDTH;
    ink.lineCap = "round";
    ink.lineJoin = "round";
    ink.beginPath();
    ink.moveTo(x0, y0);
    ink.lineTo(x1, y1);
    ink.stroke();
    hasInk = true;
  }

  function padPoint(event) {
    const box = pad.getBoundingClientRect();
    return [
      (event.clientX - box.left) * (pad.width / box.width),
      (event.clientY - box.top) * (pad.height / box.height),
    ];
  }

  // Mouse, touch and stylus alike, through pointer events.
  let stroke = null;  // {id, x, y} of the pointer that draws

  pad.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    if (stroke !== null) return;  // a second finger does not draw
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    const [x, y] = padPoint(event);
    stroke = { id: event.pointerId, x, y };
    line(x, y, x, y);
    askSoon();
  });

  pad.addEventListener("pointermove", (event) => {
    if (stroke === null || event.pointerId !== stroke.id) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const each of events.length ? events : [event]) {
      const [x, y] = padPoint(each);
      line(stroke.x, stroke.y, x, y);
      stroke.x = x;
      stroke.y = y;
    }
    askSoon();
  });

  function endStroke(event) {
    if (stroke === null || event.pointerId !== stroke.id) return;
    stroke = null;
    askSoon();
  }
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);

  // The keyboard: arrows move the pen, Space puts it down or lifts it.
  const pen = { x: pad.width / 2, y: pad.height / 2, down: false, visible: false };

  function showPen() {
    penLayer.clearRect(0, 0, pad.width, pad.height);
    if (!pen.visible) return;
    penLayer.beginPath();
    penLayer.arc(pen.x, pen.y, LINE_WIDTH / 2 + 3, 0, 2 * Math.PI);
    penLayer.lineWidth = 3;
    penLayer.strokeStyle = "#d97706";
    penLayer.stroke();
    if (pen.down) {
      penLayer.fillStyle = "rgba(217, 119, 6, 0.35)";
      penLayer.fill();
    }
  }

  const clamp = (value, high) => Math.min(Math.max(value, 0), high);

  pad.addEventListener("keydown", (event) => {
    const step = event.shiftKey ? KEY_STEP_SMALL : KEY_STEP;
    const moves = {
      ArrowLeft: [-step, 0], ArrowRight: [step, 0],
      ArrowUp: [0, -step], ArrowDown: [0, step],
    };
    if (event.key in moves) {
      event.preventDefault();
      const [dx, dy] = moves[event.key];
      const x = clamp(pen.x + dx, pad.width), y = clamp(pen.y + dy, pad.height);
      if (pen.down) {
        line(pen.x, pen.y, x, y);
        askSoon();
      }
      pen.x = x;
      pen.y = y;
    } else if (event.key === " ") {
      event.preventDefault();
      pen.down = !pen.down;
      if (pen.down) {
        line(pen.x, pen.y, pen.x, pen.y);
        askSoon();
      }
      say(pen.down ? "Pen down: the arrow keys draw." : "Pen up: the arrow keys move the pen.");
    } else if (event.key === "Escape" || event.key === "Delete") {
      event.preventDefault();
      clearAll();
    } else {
      return;
    }
    showPen();
  });
  pad.addEventListener("focus", () => { pen.visible = pad.matches(":focus-visible"); showPen(); });
  pad.addEventListener("blur", () => { pen.visible = false; showPen(); });

  // ---- asking the server ---------------------------------------------------

  let timer = null;
  let inFlight = false;  // a request for the pad is on its way
  let askAgain = false;  // the pad changed since that request was sent
  let open = 0;  // requests on their way, photos included
  let asked = 0;  // number of the latest request
  let shown = 0;  // number of the request whose answer is shown (or cleared)

  // aria-busy tells assistive technology (and tests) that an answer is coming.
  function showBusy() {
    const busy = timer !== null || inFlight || askAgain || open > 0;
    results.setAttribute("aria-busy", String(busy));
  }

  function askSoon() {
    if (timer === null) {
      timer = setTimeout(() => { timer = null; askForPad(); }, WAIT_MS);
    }
    showBusy();
  }

  async function askForPad() {
    if (!hasInk) { showBusy(); return; }
    if (inFlight) { askAgain = true; return; }
    inFlight = true;
    try {
      const png = await new Promise((resolve) => pad.toBlob(resolve, "image/png"));
      await ask(png, "image/png");
    } finally {
      inFlight = false;
      if (askAgain) { askAgain = false; askForPad(); } else showBusy();
    }
  }

  async function ask(body, type) {
    const number = ++asked;
    let answer, ok;
    open += 1;
    showBusy();
    try {
      const response = await fetch("api/predict", {
        method: "POST", headers: { "Content-Type": type }, body,
      });
      ok = response.ok;
      answer = await response.json().catch(
        () => ({ error: `the server answered ${response.status} without JSON.` }));
    } catch (error) {
      ok = false;
      answer = { error: `cannot reach the server (${error.message}).` };
    } finally {
      open -= 1;
    }
    if (number > shown) {  // not cleared since, and no newer answer shown
      shown = number;
      if (ok) showAnswer(answer); else showError(answer.error);
    }
    showBusy();
  }

  // ---- showing the answer --------------------------------------------------

  const percent = (p) => (p >= 0.9995 ? "100 %" : `${(100 * p).toFixed(1)} %`);

  function buildBars() {
    barList.replaceChildren(...classes.map((label) => {
      const row = document.createElement("li");
      row.dataset.label = String(label);
      row.innerHTML = '<span class="digit"></span><span class="track">' +
        '<span class="fill"></span></span><span class="pct">–</span>';
      row.querySelector(".digit").textContent = String(label);
      return row;
    }));
  }

  function showBars(probabilities, best, second = -1) {
    [...barList.children].forEach((row, i) => {
      const p = probabilities ? probabilities[i] : 0;
      row.querySelector(".fill").style.width = `${(100 * p).toFixed(1)}%`;
      row.querySelector(".pct").textContent = probabilities ? percent(p) : "–";
      row.classList.toggle("top", i === best);
      row.classList.toggle("runner-up", i === second);
    });
  }

  function showImage(image) {
    const pixels = preview.createImageData(28, 28);
    if (image) {
      image.flat().forEach((value, i) => {
        pixels.data.set([value, value, value, 255], 4 * i);
      });
    } else {
      for (let i = 3; i < pixels.data.length; i += 4) pixels.data[i] = 255;
    }
    preview.putImageData(pixels, 0, 0);
  }

  function showAnswer(answer) {
    const best = answer.classes.findIndex((c) => c === answer.label);
    // data-label is always the likeliest digit; the text says "not sure"
    // rather than naming it when the model is unsure.
    prediction.dataset.label = String(answer.label);
    prediction.dataset.unsure = String(answer.unsure);
    verdict.classList.toggle("unsure", answer.unsure);
    if (answer.unsure) {
      prediction.textContent = "not sure";
      confidence.textContent = `maybe ${answer.label} (${percent(answer.probability)})` +
        ` or ${answer.runner_up} (${percent(answer.runner_up_probability)})`;
      const second = answer.classes.findIndex((c) => c === answer.runner_up);
      showBars(answer.probabilities, best, second);
    } else {
      prediction.textContent = String(answer.label);
      confidence.textContent = `${percent(answer.probability)} sure`;
      showBars(answer.probabilities, best);
    }
    showImage(answer.image);
    say("");
  }

  function showError(message) {
    say(message, true);
  }

  function say(message, isError = false) {
    statusLine.textContent = message;
    statusLine.classList.toggle("error", isError);
  }

  function clearAll() {
    blankPad();
    shown = asked;  // answers still on their way are for the old drawing
    prediction.textContent = "–";
    prediction.dataset.label = "";
    prediction.dataset.unsure = "";
    verdict.classList.remove("unsure");
    confidence.textContent = "";
    showBars(null, -1);
    showImage(null);
    say("");
  }

  // ---- photos --------------------------------------------------------------

  async function usePhoto(file) {
    if (!/^image\/(png|jpeg)$/.test(file.type)) {
      showError(`${file.name} is not a PNG or JPEG image.`);
      return;
    }
    if (file.size > maxBytes) {
      const mb = (size) => (size / 1048576).toFixed(1);
      showError(`${file.name} is ${mb(file.size)} MB; the limit is ${mb(maxBytes)} MB.`);
      return;
    }
    try {  // show it on the pad, so strokes can be added to it
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
      const w = bitmap.width * scale, h = bitmap.height * scale;
      blankPad();
      ink.drawImage(bitmap, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
      hasInk = true;
    } catch {
      // The browser cannot show it; the server still reads the file itself.
    }
    say(`Reading ${file.name}…`);
    await ask(file, file.type);
  }

  upload.addEventListener("change", () => {
    if (upload.files.length) usePhoto(upload.files[0]);
    upload.value = "";  // choosing the same file again still counts
  });
  pad.addEventListener("dragover", (event) => {
    event.preventDefault();
    pad.classList.add("dragging");
  });
  pad.addEventListener("dragleave", () => pad.classList.remove("dragging"));
  pad.addEventListener("drop", (event) => {
    event.preventDefault();
    pad.classList.remove("dragging");
    if (event.dataTransfer.files.length) usePhoto(event.dataTransfer.files[0]);
  });

  document.getElementById("clear").addEventListener("click", () => {
    clearAll();
    pad.focus();
  });

  // ---- start ---------------------------------------------------------------

  buildBars();
  clearAll();
  fetch("api/model")
    .then((response) => response.json())
    .then((info) => {
      classes = info.classes;
      maxBytes = info.max_body_bytes;
      buildBars();
      showBars(null, -1);
      document.getElementById("model-source").textContent = `Model: ${info.source}.`;
      document.body.dataset.ready = "true";
    })
    .catch(() => showError("cannot reach the server; is it still running?"));
})();
