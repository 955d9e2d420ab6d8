// skdigits serve: the writing page.
//
// The pad is dark ink on white, like a pen on paper, wide enough for a number.
// The server (POST api/number) finds the digits in the line, prepares each
// MNIST-style (inverted, cropped, fitted into 20x20, centred by mass) and
// answers with the text, each digit's probabilities and its box, and whether
// the number is "not sure" and why. The page draws each digit's box over the
// pad. One digit is answered exactly as POST api/predict answers it: the page
// then shows the ten probabilities and the 28x28 image the model was given.
// When the model is unsure (a probability below the model's "not sure"
// threshold, or other ways of cutting the ink read nearly as well), the page
// says "not sure" and why. Requests are throttled while writing: at most one
// in flight, the next one sent when it returns, so the answer follows the
// pen without piling up.
"use strict";

(() => {
  const pad = document.getElementById("pad");
  const ink = pad.getContext("2d");
  const penLayer = document.getElementById("pen").getContext("2d");
  const boxLayer = document.getElementById("boxes");
  const preview = document.getElementById("preview").getContext("2d");
  const prediction = document.getElementById("prediction");
  const confidence = document.getElementById("confidence");
  const why = document.getElementById("why");
  const verdict = document.getElementById("verdict");
  const statusLine = document.getElementById("status");
  const digitList = document.getElementById("digits");
  const barList = document.getElementById("bars");
  const given = document.getElementById("given");
  const numberHelp = document.getElementById("number-help");
  const upload = document.getElementById("upload");
  const results = document.getElementById("results");

  const LINE_WIDTH = 20;  // on the 280-pixel-tall pad: MNIST-like strokes
  const WAIT_MS = 120;  // gather this long before asking while writing
  const KEY_STEP = 14, KEY_STEP_SMALL = 4;
  const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth",
    "seventh", "eighth", "ninth", "tenth"];

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
    boxLayer.classList.add("stale");  // the boxes are of the writing before
  }

  function padPoint(event) {
    const box = pad.getBoundingClientRect();
    return [
      (event.clientX - box.left) * (pad.width / box.width),
      (event.clientY - box.top) * (pad.height / box.height),
    ];
  }

  // Mouse, touch and stylus alike, through pointer events.
  let stroke = null;  // {id, x, y} of the pointer that writes

  pad.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    if (stroke !== null) return;  // a second finger does not write
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
      say(pen.down ? "Pen down: the arrow keys write." : "Pen up: the arrow keys move the pen.");
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

  // The pad's own pixels: the answer's boxes are in them.
  const ON_PAD = { scale: 1, dx: 0, dy: 0 };

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
      await ask(png, "image/png", ON_PAD);
    } finally {
      inFlight = false;
      if (askAgain) { askAgain = false; askForPad(); } else showBusy();
    }
  }

  // `place` maps the sent picture's pixels onto the pad's (null: not shown).
  async function ask(body, type, place) {
    const number = ++asked;
    let answer, ok;
    open += 1;
    showBusy();
    try {
      const response = await fetch("api/number", {
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
      if (ok) showAnswer(answer, place); else showError(answer.error);
    }
    showBusy();
  }

  // ---- showing the answer --------------------------------------------------

  const percent = (p) => (p >= 0.9995 ? "100 %" : `${(100 * p).toFixed(1)} %`);
  const shortPercent = (p) => `${Math.round(100 * p)}%`;

  function element(tag, className, text) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function buildBars() {
    barList.replaceChildren(...classes.map((label) => {
      const row = element("li");
      row.dataset.label = String(label);
      const track = element("span", "track");
      track.append(element("span", "fill"));
      row.append(element("span", "digit", String(label)), track, element("span", "pct", "–"));
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

  // Each digit's box over the pad, with what it reads as and how sure: a tag
  // above the box, or under it (or inside) where the pad leaves no room.
  function showBoxes(digits, place) {
    boxLayer.classList.remove("stale");
    if (!place) { boxLayer.replaceChildren(); return; }
    const onScreen = pad.getBoundingClientRect().height / pad.height;  // px per pad px
    const boxes = digits.map((digit, k) => {
      const { x, y, width, height } = digit.box;
      const left = place.dx + x * place.scale, top = place.dy + y * place.scale;
      const w = width * place.scale, h = height * place.scale;
      const box = element("div", digit.unsure ? "box unsure" : "box");
      box.style.left = `${(100 * left) / pad.width}%`;
      box.style.top = `${(100 * top) / pad.height}%`;
      box.style.width = `${(100 * w) / pad.width}%`;
      box.style.height = `${(100 * h) / pad.height}%`;
      box.classList.toggle("narrow", w * onScreen < 72);
      Object.assign(box.dataset, {
        index: String(k), label: String(digit.label), unsure: String(digit.unsure),
        probability: String(digit.probability),
        x: String(x), y: String(y), width: String(width), height: String(height),
      });
      const tag = element("span", "tag",
        digit.unsure ? `${digit.label} or ${digit.runner_up}?` : String(digit.label));
      if (!digit.unsure) tag.append(element("span", "p", shortPercent(digit.probability)));
      box.append(tag);
      return box;
    });
    boxLayer.replaceChildren(...boxes);
    const frame = boxLayer.getBoundingClientRect();
    for (const box of boxes) {
      const tag = box.querySelector(".tag");
      if (tag.getBoundingClientRect().top >= frame.top) continue;
      box.classList.add("tag-below");
      if (tag.getBoundingClientRect().bottom > frame.bottom) {
        box.classList.replace("tag-below", "tag-inside");
      }
    }
  }

  // One digit: its verdict and the ten bars, as api/predict answers it.
  function showDigit(digit) {
    const best = digit.classes.findIndex((c) => c === digit.label);
    prediction.dataset.unsure = String(digit.unsure);
    verdict.classList.toggle("unsure", digit.unsure);
    if (digit.unsure) {
      prediction.textContent = "not sure";
      confidence.textContent = `maybe ${digit.label} (${percent(digit.probability)})` +
        ` or ${digit.runner_up} (${percent(digit.runner_up_probability)})`;
      const second = digit.classes.findIndex((c) => c === digit.runner_up);
      showBars(digit.probabilities, best, second);
    } else {
      prediction.textContent = String(digit.label);
      confidence.textContent = `${percent(digit.probability)} sure`;
      showBars(digit.probabilities, best);
    }
  }

  // Several digits: the number, and a row per digit.
  function showNumber(answer) {
    prediction.dataset.unsure = String(answer.unsure);
    verdict.classList.toggle("unsure", answer.unsure);
    if (answer.unsure) {
      prediction.textContent = "not sure";
      confidence.textContent = `maybe ${answer.text}`;
    } else {
      prediction.textContent = answer.text;
      confidence.textContent = `${percent(answer.probability)} sure`;
    }
    digitList.replaceChildren(...answer.digits.map((digit, k) => {
      const row = element("li", digit.unsure ? "unsure" : "");
      row.dataset.label = String(digit.label);
      row.dataset.unsure = String(digit.unsure);
      const track = element("span", "track");
      const fill = element("span", "fill");
      fill.style.width = `${(100 * digit.probability).toFixed(1)}%`;
      track.append(fill);
      const name = `${ORDINALS[k] || `digit ${k + 1}`}: `;
      row.append(
        element("span", "visually-hidden", name),
        element("span", "digit", digit.unsure ? `${digit.label}?` : String(digit.label)),
        track,
        element("span", "pct", percent(digit.probability)));
      if (digit.unsure) {
        row.append(element("span", "alt",
          `not sure: maybe ${digit.runner_up} (${percent(digit.runner_up_probability)})`));
      }
      return row;
    }));
  }

  // Why a number is not sure, in words.
  function reasons(answer) {
    const said = [];
    const doubts = answer.digits.filter((d) => d.unsure);
    if (answer.digits.length > 1 && doubts.length) {
      const marked = answer.digits.map((d) => (d.unsure ? "?" : String(d.label))).join("");
      said.push(`${marked}: ` + doubts.map((d) => `${d.label} or ${d.runner_up}`).join(", ") + ".");
    }
    if ((answer.reason || "").includes("reading")) {
      said.push("The ink may hold other digits: cut another way, it reads nearly as well.");
    }
    return said.join(" ");
  }

  function showAnswer(answer, place) {
    const digits = answer.digits;
    // data-label is always the text read (the likeliest digits, one label
    // for one digit); the verdict says "not sure" rather than stating it
    // when the model is unsure.
    prediction.dataset.label = answer.text;
    prediction.dataset.count = String(digits.length);
    prediction.dataset.reason = answer.reason || "";
    const one = digits.length === 1;
    digitList.hidden = one;
    numberHelp.hidden = one;
    barList.hidden = !one;
    given.hidden = !one;
    if (one) showDigit(digits[0]); else showNumber(answer);
    why.textContent = reasons(answer);
    showBoxes(digits, place);
    showImage(one ? digits[0].image : null);
    document.body.dataset.reading = one ? "digit" : "number";
    say("");
  }

  function showError(message) {
    boxLayer.replaceChildren();
    say(message, true);
  }

  function say(message, isError = false) {
    statusLine.textContent = message;
    statusLine.classList.toggle("error", isError);
  }

  function clearAll() {
    blankPad();
    shown = asked;  // answers still on their way are for the old writing
    prediction.textContent = "–";
    prediction.dataset.label = "";
    prediction.dataset.unsure = "";
    prediction.dataset.count = "0";
    prediction.dataset.reason = "";
    verdict.classList.remove("unsure");
    confidence.textContent = "";
    why.textContent = "";
    digitList.replaceChildren();
    digitList.hidden = true;
    numberHelp.hidden = true;
    barList.hidden = false;
    given.hidden = false;
    showBars(null, -1);
    boxLayer.replaceChildren();
    showImage(null);
    document.body.dataset.reading = "";
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
    let place = null;
    try {  // show it on the pad, so strokes can be added to it
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
      const w = bitmap.width * scale, h = bitmap.height * scale;
      place = { scale, dx: (pad.width - w) / 2, dy: (pad.height - h) / 2 };
      blankPad();
      ink.drawImage(bitmap, place.dx, place.dy, w, h);
      hasInk = true;
    } catch {
      // The browser cannot show it; the server still reads the file itself.
    }
    say(`Reading ${file.name}…`);
    await ask(file, file.type, place);
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
