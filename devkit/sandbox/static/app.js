// Mahalla Yordamchi sandbox page: chat with the real bot as any seeded person.
// Plain JS, no build step. The server sends message bodies as sanitized HTML (rendered from
// Telegram entities); everything else is put into the page with textContent.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = {
  person: $("person"), chat: $("chat"), info: $("person-info"), replyKb: $("reply-kb"),
  input: $("input"), send: $("send-btn"), menu: $("menu-btn"), commands: $("commands"),
  attachBtn: $("attach-btn"), attach: $("attach"), fileInput: $("file-input"),
  startBar: $("start-bar"), startBtn: $("start-btn"), typing: $("typing"), toast: $("toast"),
  jobs: $("jobs"), jobsToggle: $("jobs-toggle"), jobsList: $("jobs-list"), jobsNote: $("jobs-note"),
  confirm: $("confirm"), confirmText: $("confirm-text"), confirmYes: $("confirm-yes"),
  confirmNo: $("confirm-no"), locDialog: $("location-dialog"), lat: $("lat"), lng: $("lng"),
  locYes: $("location-yes"), locNo: $("location-no"), botName: $("bot-name"),
  kbToggle: $("kb-toggle"),
};
const NEW_CITIZEN = "new";
let state = null;          // /api/state
let current = null;        // person id
let chat = null;           // /api/chat/{id}
let busy = 0;              // requests in flight (shows "…")
let lastRendered = "";     // avoid redrawing an unchanged chat
let keyboardHidden = false; // the person folded the reply keyboard away (like the app's ⌨ button)

// ------------------------------------------------------------------ HTTP
async function api(path, options = {}) {
  const init = { method: options.method || "GET", headers: {} };
  if (options.json !== undefined) {
    init.method = options.method || "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
  } else if (options.form) {
    init.method = "POST";
    init.body = options.form;
  }
  const response = await fetch(path, init);
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  if (!response.ok) {
    throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
  }
  return body;
}

async function act(path, options) {
  busy += 1;
  ui.typing.hidden = false;
  try {
    const body = await api(path, options);
    if (body && body.items) applyChat(body);
    return body;
  } catch (error) {
    toast(error.message, true);
    return null;
  } finally {
    busy -= 1;
    ui.typing.hidden = busy === 0;
  }
}

// ------------------------------------------------------------------ people
function personById(id) {
  return state && state.people.find((p) => p.id === id);
}

function optionText(person) {
  const unread = person.unread && person.id !== current ? ` (${person.unread})` : "";
  return `${person.name} — ${person.label}${unread}`;
}

function renderPeople() {
  const select = ui.person;
  select.textContent = "";
  const groups = [
    ["main", "People · Odamlar"],
    ["assistants", "Other assistants · Boshqa yordamchilar"],
  ];
  for (const [key, label] of groups) {
    const people = state.people.filter((p) => p.group === key);
    if (!people.length) continue;
    const group = document.createElement("optgroup");
    group.label = label;
    for (const person of people) {
      const option = document.createElement("option");
      option.value = String(person.id);
      option.textContent = optionText(person);
      group.appendChild(option);
    }
    select.appendChild(group);
  }
  const add = document.createElement("option");
  add.value = NEW_CITIZEN;
  add.textContent = "➕ New citizen · Yangi fuqaro";
  select.appendChild(add);
  select.value = String(current);
}

function renderJobs() {
  const jobs = state.jobs;
  ui.jobsList.textContent = "";
  ui.jobsNote.textContent = jobs.available
    ? "Runs the job now, as the scheduler would · Hozir ishga tushiradi"
    : `Not available yet · Hali mavjud emas: ${jobs.reason}`;
  for (const name of jobs.names) {
    const row = document.createElement("div");
    row.className = "job";
    const label = document.createElement("code");
    label.textContent = name;
    const result = document.createElement("span");
    result.className = "job-result";
    result.dataset.job = name;
    result.textContent = jobResults[name] || "";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Fire job now · Hozir ishga tushirish";
    button.dataset.job = name;
    button.disabled = !jobs.available || jobsRunning.has(name);
    button.addEventListener("click", () => fireJob(name));
    const left = document.createElement("div");
    left.append(label, document.createElement("br"), result);
    row.append(left, button);
    ui.jobsList.appendChild(row);
  }
}

// The panel is redrawn whenever anything changes, so results live outside it.
const jobResults = {};
const jobsRunning = new Set();

async function fireJob(name) {
  jobsRunning.add(name);
  jobResults[name] = "…";
  renderJobs();
  try {
    const body = await api(`/api/jobs/${encodeURIComponent(name)}`, { json: {} });
    jobResults[name] = body.result;
  } catch (error) {
    jobResults[name] = error.message;
    toast(error.message, true);
  } finally {
    jobsRunning.delete(name);
    renderJobs();
  }
}

function renderInfo() {
  const person = personById(current);
  if (!person) return;
  const parts = [person.name, person.label];
  if (person.mahalla) parts.push(person.mahalla);
  parts.push(person.phone, `lang: ${person.language_code}`, `id ${person.id}`);
  ui.info.textContent = parts.join(" · ");
}

let peopleShown = "";
async function loadState() {
  state = await api("/api/state");
  ui.botName.textContent = state.bot.name;
  if (current === null || !personById(current)) {
    const wanted = Number((location.hash.match(/p=(\d+)/) || [])[1]);
    current = personById(wanted) ? wanted : state.people[0].id;
  }
  // Redraw the switcher only when it changed (an open drop-down would close).
  const shown = JSON.stringify([current, state.people.map(optionText)]);
  if (shown !== peopleShown) {
    peopleShown = shown;
    renderPeople();
  }
  if (!ui.jobsList.childElementCount) renderJobs();
  renderInfo();
}

async function switchTo(id) {
  current = id;
  location.hash = `p=${id}`;
  lastRendered = "";
  closeSheets();
  peopleShown = "";
  ui.toast.hidden = true;
  ui.chat.textContent = "";          // never show one person's chat under another's name
  delete ui.chat.dataset.person;
  ui.replyKb.textContent = "";
  renderPeople();
  renderInfo();
  await loadChat(true);
}

// ------------------------------------------------------------------ chat
async function loadChat(scrollDown = false) {
  if (current === null) return;
  const id = current;
  const body = await api(`/api/chat/${id}`);
  if (id === current) applyChat(body, scrollDown);
}

function applyChat(body, scrollDown = false) {
  if (body.person.id !== current) return;
  chat = body;
  const fingerprint = JSON.stringify([body.items, body.reply_keyboard, body.commands, body.started]);
  if (fingerprint === lastRendered) return;
  lastRendered = fingerprint;
  const box = ui.chat;
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  renderItems(body);
  ui.chat.dataset.person = String(body.person.id);
  renderReplyKeyboard(body.reply_keyboard);
  renderCommands(body.commands);
  ui.startBar.hidden = body.started;
  ui.input.placeholder = (body.reply_keyboard && body.reply_keyboard.placeholder) || "Message · Xabar";
  if (scrollDown || nearBottom) box.scrollTop = box.scrollHeight;
}

function renderItems(body) {
  const box = ui.chat;
  box.textContent = "";
  if (!body.items.length) {
    const empty = document.createElement("div");
    empty.className = "empty";
    empty.textContent = body.description ||
      (body.started ? "No messages yet · Hali xabar yo‘q.\nSend /start · /start yuboring."
                    : "Press START to begin · Boshlash uchun START tugmasini bosing.");
    box.appendChild(empty);
    return;
  }
  for (const item of body.items) {
    box.appendChild(item.type === "system" ? systemLine(item) : messageNode(item));
  }
}

function systemLine(item) {
  const line = document.createElement("div");
  line.className = "system";
  line.textContent = item.text;
  return line;
}

function formatSize(bytes) {
  if (!bytes) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function messageNode(item) {
  const wrap = document.createElement("div");
  wrap.className = `msg ${item.from_bot ? "bot" : "me"}`;
  wrap.dataset.id = String(item.id);
  wrap.dataset.from = item.from_bot ? "bot" : "me";
  const bubble = document.createElement("div");
  bubble.className = "bubble";

  if (item.reply_to) {
    const quote = document.createElement("div");
    quote.className = "quote";
    quote.textContent = item.reply_to.text || "…";
    bubble.appendChild(quote);
  }
  if (item.photo) {
    const photo = document.createElement("div");
    photo.className = "photo";
    if (item.photo.url) {
      const img = document.createElement("img");
      img.src = item.photo.url;
      img.alt = "photo";
      const link = document.createElement("a");
      link.href = item.photo.url;
      link.target = "_blank";
      link.appendChild(img);
      photo.appendChild(link);
    } else {
      photo.textContent = `🖼 photo (${item.photo.external || "not stored"})`;
    }
    bubble.appendChild(photo);
  }
  if (item.document) {
    const file = document.createElement("div");
    file.className = "file";
    const icon = document.createElement("div");
    icon.className = "file-icon";
    icon.textContent = "📄";
    const text = document.createElement("div");
    const name = document.createElement(item.document.url ? "a" : "span");
    name.textContent = item.document.name;
    if (item.document.url) {
      name.href = `${item.document.url}?download=1`;
      name.setAttribute("download", item.document.name);
      name.className = "download";
    }
    const size = document.createElement("div");
    size.className = "size";
    size.textContent = formatSize(item.document.size) || item.document.external || "";
    text.append(name, size);
    file.append(icon, text);
    bubble.appendChild(file);
  }
  if (item.location) {
    const loc = document.createElement("div");
    loc.className = "special";
    loc.textContent = `📍 ${item.location.latitude.toFixed(5)}, ${item.location.longitude.toFixed(5)}`;
    bubble.appendChild(loc);
  }
  if (item.contact) {
    const contact = document.createElement("div");
    contact.className = "special";
    contact.textContent = `📱 ${item.contact.name} ${item.contact.phone}`;
    bubble.appendChild(contact);
  }
  if (item.media) {
    const media = document.createElement("div");
    media.className = "special";
    media.textContent = item.media.label;
    if (item.media.duration != null) {
      const secs = item.media.duration;
      media.textContent += ` ${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")}`;
    }
    if (item.media.url) {
      const audio = document.createElement("audio");
      audio.controls = true;
      audio.preload = "none";
      audio.src = item.media.url;
      media.appendChild(audio);
    }
    bubble.appendChild(media);
  }
  if (item.html) {
    const text = document.createElement("div");
    text.className = "body";
    text.innerHTML = item.html; // sanitized server-side (devkit/sandbox/render.py)
    bubble.appendChild(text);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  // The bot's time zone, not the browser's: the times in its texts are the bot's (Tashkent).
  const zone = (state && state.timezone) || undefined;
  const time = new Date(item.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", timeZone: zone });
  meta.textContent = item.edited ? `edited · tahrirlangan ${time}` : time;
  bubble.appendChild(meta);
  wrap.appendChild(bubble);

  if (item.buttons && item.buttons.length) {
    const keyboard = document.createElement("div");
    keyboard.className = "ikb";
    item.buttons.forEach((row, r) => {
      const rowNode = document.createElement("div");
      rowNode.className = "ikb-row";
      row.forEach((button, c) => {
        const node = document.createElement("button");
        node.type = "button";
        node.className = `ikb-btn ${button.kind}`;
        node.textContent = button.text;
        node.title = button.text;
        node.addEventListener("click", () => pressInline(item.id, r, c, button));
        rowNode.appendChild(node);
      });
      keyboard.appendChild(rowNode);
    });
    wrap.appendChild(keyboard);
  }
  return wrap;
}

function renderReplyKeyboard(keyboard) {
  ui.replyKb.textContent = "";
  ui.kbToggle.hidden = !keyboard;
  ui.replyKb.hidden = !keyboard || keyboardHidden;
  if (!keyboard) return;
  keyboard.rows.forEach((row, r) => {
    const rowNode = document.createElement("div");
    rowNode.className = "rkb-row";
    row.forEach((button, c) => {
      const node = document.createElement("button");
      node.type = "button";
      node.className = "rkb-btn";
      node.dataset.kind = button.kind;
      node.textContent = button.text;
      node.addEventListener("click", () => pressReply(r, c, button));
      rowNode.appendChild(node);
    });
    ui.replyKb.appendChild(rowNode);
  });
}

function renderCommands(commands) {
  ui.commands.textContent = "";
  ui.menu.hidden = !commands.length;
  for (const command of commands) {
    const node = document.createElement("button");
    node.type = "button";
    node.setAttribute("role", "menuitem");
    const name = document.createElement("span");
    name.className = "cmd-name";
    name.textContent = `/${command.command}`;
    const desc = document.createElement("span");
    desc.className = "cmd-desc";
    desc.textContent = command.description;
    node.append(name, desc);
    node.addEventListener("click", () => { closeSheets(); sendText(`/${command.command}`); });
    ui.commands.appendChild(node);
  }
}

// ------------------------------------------------------------------ actions
async function sendText(text) {
  if (!text.trim()) return;
  await act(`/api/chat/${current}/send`, { json: { text } });
}

async function pressInline(messageId, row, col, button) {
  if (button.kind === "url") {
    window.open(button.url, "_blank", "noopener");
    return;
  }
  if (button.kind !== "callback") {
    toast(`“${button.kind}” buttons are not emulated in the sandbox`, true);
    return;
  }
  const body = await act(`/api/chat/${current}/press`, { json: { message_id: messageId, row, col } });
  const answer = body && body.answer;
  if (answer && answer.text) {
    if (answer.show_alert) await ask(answer.text, true);
    else toast(answer.text);
  }
}

async function pressReply(row, col, button) {
  if (button.kind === "contact") {
    const person = personById(current);
    const ok = await ask(`Share your phone number ${person.phone} with the bot?\n` +
      `Telefon raqamingizni botga yuborasizmi?`);
    if (ok) await act(`/api/chat/${current}/reply`, { json: { row, col } });
    return;
  }
  if (button.kind === "location") {
    const coords = await askLocation();
    if (coords) await act(`/api/chat/${current}/reply`, { json: { row, col, ...coords } });
    return;
  }
  if (button.kind !== "text") {
    toast(`“${button.kind}” buttons are not emulated in the sandbox`, true);
    return;
  }
  await act(`/api/chat/${current}/reply`, { json: { row, col } });
}

function ask(text, alertOnly = false) {
  return new Promise((resolve) => {
    ui.confirmText.textContent = text;
    ui.confirmNo.hidden = alertOnly;
    const done = (value) => {
      ui.confirmYes.onclick = ui.confirmNo.onclick = null;
      ui.confirm.close();
      resolve(value);
    };
    ui.confirmYes.onclick = () => done(true);
    ui.confirmNo.onclick = () => done(false);
    ui.confirm.oncancel = () => done(false);
    ui.confirm.showModal();
  });
}

function askLocation() {
  return new Promise((resolve) => {
    const done = (value) => {
      ui.locYes.onclick = ui.locNo.onclick = null;
      ui.locDialog.close();
      resolve(value);
    };
    ui.locYes.onclick = () => done({ latitude: Number(ui.lat.value), longitude: Number(ui.lng.value) });
    ui.locNo.onclick = () => done(null);
    ui.locDialog.oncancel = () => done(null);
    ui.locDialog.showModal();
  });
}

let toastTimer = null;
function toast(text, error = false) {
  ui.toast.textContent = text;
  ui.toast.className = error ? "toast error" : "toast";
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { ui.toast.hidden = true; }, error ? 5000 : 2500);
}

function closeSheets() {
  ui.commands.hidden = true;
  ui.attach.hidden = true;
}

// ------------------------------------------------------------------ wiring
ui.person.addEventListener("change", async () => {
  if (ui.person.value === NEW_CITIZEN) {
    const body = await api("/api/people", { json: {} });
    state = { ...state, people: body.people };
    await switchTo(body.person.id);
    return;
  }
  await switchTo(Number(ui.person.value));
});

ui.send.addEventListener("click", () => {
  const text = ui.input.value;
  if (!text.trim()) return;
  ui.input.value = "";
  sendText(text);
  ui.input.focus();
});
ui.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    ui.send.click();
  }
});
ui.startBtn.addEventListener("click", () => sendText("/start"));
ui.kbToggle.addEventListener("click", () => {
  keyboardHidden = !keyboardHidden;
  ui.replyKb.hidden = keyboardHidden;
});
ui.menu.addEventListener("click", () => {
  const open = ui.commands.hidden;
  closeSheets();
  ui.commands.hidden = !open;
});
ui.attachBtn.addEventListener("click", () => {
  const open = ui.attach.hidden;
  closeSheets();
  ui.attach.hidden = !open;
});
ui.attach.addEventListener("click", async (event) => {
  const kind = event.target.closest("button")?.dataset.attach;
  if (!kind) return;
  closeSheets();
  if (kind === "file") ui.fileInput.click();
  if (kind === "voice") await act(`/api/chat/${current}/voice`, { json: { seconds: 4 } });
  if (kind === "contact") {
    const person = personById(current);
    if (await ask(`Share your contact ${person.phone}? · Kontaktingizni yuborasizmi?`)) {
      await act(`/api/chat/${current}/contact`, { json: {} });
    }
  }
  if (kind === "location") {
    const coords = await askLocation();
    if (coords) await act(`/api/chat/${current}/location`, { json: coords });
  }
});
ui.fileInput.addEventListener("change", async () => {
  const file = ui.fileInput.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file, file.name);
  if (ui.input.value.trim()) {
    form.append("caption", ui.input.value);
    ui.input.value = "";
  }
  ui.fileInput.value = "";
  await act(`/api/chat/${current}/upload`, { form });
});
ui.jobsToggle.addEventListener("click", () => {
  ui.jobs.hidden = !ui.jobs.hidden;
  ui.jobsToggle.setAttribute("aria-expanded", String(!ui.jobs.hidden));
});
ui.chat.addEventListener("click", (event) => {
  const command = event.target.closest("a.cmd");
  if (command) {
    event.preventDefault();
    sendText(command.dataset.cmd);
    return;
  }
  const spoiler = event.target.closest(".spoiler");
  if (spoiler) spoiler.classList.toggle("revealed");
});
window.addEventListener("hashchange", () => {
  const wanted = Number((location.hash.match(/p=(\d+)/) || [])[1]);
  if (wanted && wanted !== current && personById(wanted)) switchTo(wanted);
});

let stateTimer = null;
function listen() {
  const events = new EventSource("/api/events");
  events.onmessage = (event) => {
    const change = JSON.parse(event.data);
    if (!change.chats.length || change.chats.includes(current)) {
      loadChat().catch(() => {});
    }
    clearTimeout(stateTimer);
    stateTimer = setTimeout(() => loadState().catch(() => {}), 150);
  };
}

(async function main() {
  await loadState();
  await loadChat(true);
  listen();
  document.body.dataset.ready = "1";
})();
