// Chartside online booking page (issue 19). Plain JavaScript, no framework, no CDN.
// What the patient types is encrypted here, in the browser, to the practice's booking public
// key (WebCrypto: ECDH P-256 -> HKDF-SHA-256 -> AES-256-GCM); the server receives only the
// ciphertext and the slot id. docs/booking.md describes the format the desktop opens.
"use strict";

(function () {
  const POW_PREFIX = "chartside-booking-pow-v1";
  const HKDF_INFO = "chartside-booking-v1";
  const parts = location.pathname.split("/").filter(Boolean);
  const slug = decodeURIComponent(parts[parts.length - 1] || "");
  const api = "/v1/book/" + encodeURIComponent(slug);
  const $ = (id) => document.getElementById(id);
  const enc = (text) => new TextEncoder().encode(text);
  const b64 = (buf) => {
    const bytes = new Uint8Array(buf);
    let out = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      out += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(out);
  };
  const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");

  let data = null;
  let service = null;
  let slot = null;

  function say(message, isError) {
    const el = $("status");
    el.textContent = message;
    el.className = isError ? "error" : "";
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function localDate(start) {
    const [d, t] = start.split("T");
    const [y, m, day] = d.split("-").map(Number);
    const [hh, mm] = t.split(":").map(Number);
    return new Date(y, m - 1, day, hh, mm);
  }

  async function load() {
    let response;
    try {
      response = await fetch(api + "/availability", { cache: "no-store" });
    } catch (err) {
      say("The booking service cannot be reached. Please try again later.", true);
      return;
    }
    if (!response.ok) {
      say(response.status === 404 ? "Online booking is not open for this practice."
        : "The booking service is busy. Please try again in a minute.", true);
      return;
    }
    data = await response.json();
    $("practice").textContent = "Book with " + data.practice_name;
    document.title = "Book with " + data.practice_name;
    renderServices();
    $("booking").hidden = false;
    say(data.slots.length ? "Choose a service, then a time." : "No free times right now.");
  }

  function renderServices() {
    const list = $("service-list");
    list.replaceChildren();
    for (const s of data.services) {
      const count = data.slots.filter((x) => x.service === s.key).length;
      const label = el("label", { class: "choice" });
      const input = el("input", { type: "radio", name: "service", value: s.key });
      if (!count) input.disabled = true;
      input.addEventListener("change", () => chooseService(s));
      label.append(input, document.createTextNode(
        s.label + " (" + s.minutes + " min)" + (count ? "" : " — no free times")));
      list.append(label);
    }
  }

  function chooseService(s) {
    service = s;
    slot = null;
    $("about").hidden = true;
    const list = $("slot-list");
    list.replaceChildren();
    const seen = new Set();
    let times = null;
    let lastDay = "";
    for (const x of data.slots.filter((y) => y.service === s.key)) {
      if (seen.has(x.start)) continue; // the same time with another clinician
      seen.add(x.start);
      const when = localDate(x.start);
      const day = x.start.slice(0, 10);
      if (day !== lastDay) {
        lastDay = day;
        list.append(el("p", { class: "day" }, when.toLocaleDateString(undefined,
          { weekday: "long", month: "long", day: "numeric" })));
        times = el("div", { class: "times", role: "group" });
        list.append(times);
      }
      const b = el("button", { type: "button", "aria-pressed": "false", "data-slot": x.id },
        when.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" }));
      b.addEventListener("click", () => chooseSlot(x, b));
      times.append(b);
    }
    renderQuestions(s);
    $("slots").hidden = false;
  }

  function chooseSlot(x, button) {
    slot = x;
    for (const b of $("slot-list").querySelectorAll("button")) b.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-pressed", "true");
    $("about").hidden = false;
    say("Selected " + button.textContent + ". Tell the practice about you.");
    $("first_name").focus();
  }

  function renderQuestions(s) {
    const box = $("questions");
    box.replaceChildren();
    for (const q of s.questions) {
      const id = "q-" + q.id;
      if (q.kind === "yesno") {
        const set = el("fieldset", { id: id });
        set.append(el("legend", {}, q.label));
        for (const v of ["Yes", "No"]) {
          const label = el("label", { class: "choice" });
          const input = el("input", { type: "radio", name: id, value: v });
          if (q.required) input.required = true;
          label.append(input, document.createTextNode(v));
          set.append(label);
        }
        box.append(set);
        continue;
      }
      box.append(el("label", { for: id }, q.label));
      let input;
      if (q.kind === "choice") {
        input = el("select", { id: id, name: id });
        input.append(el("option", { value: "" }, "Choose…"));
        for (const c of q.choices) input.append(el("option", { value: c }, c));
      } else if (q.kind === "date") {
        input = el("input", { id: id, name: id, type: "date" });
      } else {
        input = el("textarea", { id: id, name: id, maxlength: "1000", rows: "2" });
      }
      if (q.required) input.required = true;
      box.append(input);
    }
  }

  function answers() {
    const out = {};
    for (const q of service.questions) {
      const id = "q-" + q.id;
      if (q.kind === "yesno") {
        const picked = document.querySelector("input[name='" + id + "']:checked");
        out[q.id] = picked ? picked.value : "";
      } else {
        out[q.id] = $(id).value.trim();
      }
    }
    return out;
  }

  async function encrypt(plaintext, aad) {
    const algo = { name: "ECDH", namedCurve: "P-256" };
    const practice = await crypto.subtle.importKey("raw", unb64(data.public_key), algo, false, []);
    const mine = await crypto.subtle.generateKey(algo, true, ["deriveBits"]);
    const shared = await crypto.subtle.deriveBits({ name: "ECDH", public: practice }, mine.privateKey, 256);
    const epk = await crypto.subtle.exportKey("raw", mine.publicKey);
    const hkdf = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
    const key = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: epk, info: enc(HKDF_INFO) },
      hkdf, { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: enc(aad) },
      key, enc(plaintext));
    return { v: 1, epk: b64(epk), iv: b64(iv), ct: b64(ct) };
  }

  // SHA-256 in plain JavaScript for the proof-of-work loop: one WebCrypto digest is a promise
  // (~50 µs each in Chromium), this is ~1 µs. Checked against WebCrypto before use; a browser
  // where they disagree uses WebCrypto (slower, same result).
  const primes = [];
  for (let n = 2; primes.length < 64; n++) if (primes.every((p) => n % p)) primes.push(n);
  const frac = (x) => ((x - Math.floor(x)) * 0x100000000) >>> 0;
  const K = Uint32Array.from(primes, (p) => frac(Math.cbrt(p)));
  const H0 = Uint32Array.from(primes.slice(0, 8), (p) => frac(Math.sqrt(p)));
  const W = new Uint32Array(64);

  const SCRATCH = new Uint8Array(256);

  // SHA-256 of bytes[0 .. length) (length < 184 uses a reused buffer: no allocation per hash).
  function sha256(bytes, length) {
    const len = length === undefined ? bytes.length : length;
    const blocks = (len + 72) >> 6;
    const buf = blocks * 64 <= SCRATCH.length ? SCRATCH : new Uint8Array(blocks * 64);
    const end = blocks * 64;
    if (buf !== bytes) buf.set(bytes.subarray(0, len));
    buf[len] = 0x80;
    buf.fill(0, len + 1, end - 4);
    const bitLen = len * 8;
    buf[end - 4] = bitLen >>> 24; buf[end - 3] = bitLen >>> 16;
    buf[end - 2] = bitLen >>> 8; buf[end - 1] = bitLen;
    const h = Uint32Array.from(H0);
    for (let o = 0; o < end; o += 64) {
      for (let i = 0; i < 16; i++) {
        const j = o + i * 4;
        W[i] = (buf[j] << 24) | (buf[j + 1] << 16) | (buf[j + 2] << 8) | buf[j + 3];
      }
      for (let i = 16; i < 64; i++) {
        const x = W[i - 15], y = W[i - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
      }
      let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      out[i * 4] = h[i] >>> 24; out[i * 4 + 1] = h[i] >>> 16;
      out[i * 4 + 2] = h[i] >>> 8; out[i * 4 + 3] = h[i];
    }
    return out;
  }

  async function fastHashAgrees() {
    const probe = enc(POW_PREFIX + ":probe:" + "x".repeat(90));
    return hex(await crypto.subtle.digest("SHA-256", probe)) === hex(sha256(probe));
  }

  function zeroBits(bytes) {
    let n = 0;
    for (const b of bytes) {
      if (b === 0) { n += 8; continue; }
      return n + Math.clz32(b) - 24;
    }
    return n;
  }

  async function proofOfWork(slotId, ct, bits) {
    const ctHash = hex(await crypto.subtle.digest("SHA-256", enc(ct)));
    const prefix = POW_PREFIX + ":" + slug + ":" + slotId + ":" + ctHash + ":";
    const head = enc(prefix);
    if (head.length < 160 && await fastHashAgrees()) {
      const msg = new Uint8Array(256);
      msg.set(head);
      for (let nonce = 0; ; nonce++) {
        const digits = String(nonce);
        for (let i = 0; i < digits.length; i++) msg[head.length + i] = digits.charCodeAt(i);
        if (zeroBits(sha256(msg, head.length + digits.length)) >= bits) return digits;
      }
    }
    for (let base = 0; ; base += 512) {
      const tries = [];
      for (let i = 0; i < 512; i++) tries.push(crypto.subtle.digest("SHA-256", enc(prefix + (base + i))));
      const digests = await Promise.all(tries);
      for (let i = 0; i < 512; i++) {
        if (zeroBits(new Uint8Array(digests[i])) >= bits) return String(base + i);
      }
    }
  }

  async function send(event) {
    event.preventDefault();
    if (!slot) { say("Pick a time first.", true); return; }
    const form = $("booking");
    if (!form.reportValidity()) return;
    const button = $("send");
    button.disabled = true;
    say("Encrypting your request…");
    try {
      const questions = {};
      for (const q of service.questions) questions[q.id] = q.label;
      const request = {
        v: 1, slot_id: slot.id, service: service.key, start: slot.start, minutes: slot.minutes,
        first_name: $("first_name").value.trim(), last_name: $("last_name").value.trim(),
        date_of_birth: $("date_of_birth").value, phone: $("phone").value.trim(),
        email: $("email").value.trim(), answers: answers(), questions: questions,
        sent_at: new Date().toISOString(),
      };
      const envelope = await encrypt(JSON.stringify(request), slug + ":" + slot.id);
      const nonce = await proofOfWork(slot.id, envelope.ct, data.pow_bits);
      const response = await fetch(api + "/requests", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ slot_id: slot.id, envelope: envelope, pow_nonce: nonce }),
      });
      if (response.status === 201) {
        form.hidden = true;
        say("");
        $("done-text").textContent = "Your request for " + localDate(slot.start).toLocaleString(
          undefined, { weekday: "long", month: "long", day: "numeric", hour: "numeric",
            minute: "2-digit" }) + " was sent to " + data.practice_name +
          ". The time is held for you until the practice confirms it by e-mail or phone.";
        $("done").hidden = false;
        $("done").focus();
        return;
      }
      const body = await response.json().catch(() => ({}));
      if (response.status === 409) {
        say("Sorry, that time was just taken. Please pick another.", true);
        await load();
        if (service) chooseService(service);
      } else if (response.status === 429) {
        say("Too many requests from this connection. Please try again later.", true);
      } else {
        say("The request could not be sent (" + (body.message || response.status) + ").", true);
      }
    } catch (err) {
      say("The request could not be sent. Check your connection and try again.", true);
    } finally {
      button.disabled = false;
    }
  }

  $("booking").addEventListener("submit", send);
  if (!window.crypto || !crypto.subtle) {
    say("This browser cannot encrypt the request (it needs a secure https page).", true);
  } else {
    load();
  }
})();
