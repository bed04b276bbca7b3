// EmailAI admin page: every change goes through the admin API under /api/v1, exactly as the emailai tool and
// operators' scripts make it. The token is kept in this tab's sessionStorage and sent as the Authorization header;
// it is never put in a URL or a cookie. Every value from the server is written as text (never parsed as HTML), so a
// hostile subject or address cannot run script, and the Content-Security-Policy allows only this file anyway.
"use strict";

(() => {
  const TOKEN_KEY = "emailai.admin-token";
  const $ = (id) => document.getElementById(id);

  // ---- DOM helpers -------------------------------------------------------------------------------------------

  /** An element with attributes (on* names become listeners) and children (strings become text nodes). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "class") node.className = value;
      else if (name === "value") node.value = value;
      else if (name === "checked") node.checked = !!value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function table(headers, rows) {
    return el("table", {},
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows));
  }

  function facts(pairs) {
    return el("dl", { class: "facts" }, pairs.filter((p) => p).map(([k, v]) => [el("dt", {}, k), el("dd", {}, v ?? "—")]));
  }

  function field(label, input) {
    const id = input.id || ("f-" + Math.random().toString(36).slice(2));
    input.id = id;
    return [el("label", { for: id }, label), input];
  }

  function bytes(n) {
    if (n === null || n === undefined) return "—";
    if (n < 1024) return n + " B";
    const units = ["KiB", "MiB", "GiB", "TiB"];
    let v = n / 1024, i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return v.toFixed(v < 10 ? 1 : 0) + " " + units[i];
  }

  function when(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  }

  function age(iso) {
    if (!iso) return "—";
    const s = Math.max(0, Math.round((Date.now() - new Date(iso)) / 1000));
    if (s < 120) return s + " s";
    if (s < 7200) return Math.round(s / 60) + " min";
    if (s < 172800) return Math.round(s / 3600) + " h";
    return Math.round(s / 86400) + " d";
  }

  /** A short message at the bottom right; errors stay longer. */
  function notify(text, isError) {
    const box = el("div", { class: isError ? "error" : "" }, text);
    $("status").append(box);
    setTimeout(() => box.remove(), isError ? 9000 : 4000);
  }

  // ---- The API -----------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, detail) { super(detail); this.status = status; }
  }

  async function api(method, path, body, raw, extraHeaders) {
    const headers = { Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY), "X-EmailAI-Actor": "admin page", ...(extraHeaders || {}) };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch("/api/v1" + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store", credentials: "omit", redirect: "error",
      });
    } catch (e) {
      throw new ApiError(0, "The server did not answer (" + e.message + ").");
    }
    if (response.status === 401) {
      signOut("The server refused the token; sign in again.");
      throw new ApiError(401, "The server refused the token.");
    }
    if (!response.ok) {
      let detail = response.status + " " + response.statusText;
      try {
        const problem = await response.json();
        detail = problem.detail || problem.title || detail;
      } catch { /* not JSON */ }
      throw new ApiError(response.status, detail);
    }
    if (raw) return response.text();
    return response.status === 204 ? null : response.json();
  }

  const enc = encodeURIComponent;

  /** Runs an action, shows its failure as a notification, and answers whether it succeeded. */
  async function attempt(action, done) {
    try {
      const result = await action();
      if (done) notify(typeof done === "function" ? done(result) : done);
      return true;
    } catch (e) {
      if (e.status !== 401) notify(e.message, true);
      return false;
    }
  }

  // ---- Sign in and navigation --------------------------------------------------------------------------------

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem("emailai.queue-filter");
    $("app").hidden = true;
    $("login").hidden = false;
    $("main").replaceChildren();
    $("login-error").textContent = message || "";
    $("login-token").value = "";
    $("login-token").focus();
  }

  async function signIn(event) {
    event.preventDefault();
    const token = $("login-token").value.trim();
    $("login-error").textContent = "";
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    try {
      await showApp();
    } catch (e) {
      if (e.status !== 401) signOut(e.message);
    }
  }

  async function showApp() {
    const node = await api("GET", "/node");
    $("login-token").value = "";
    $("node-name").textContent = node.serverDomain + (node.machine ? " · node " + node.machine : "");
    $("login").hidden = true;
    $("app").hidden = false;
    await route();
  }

  const pages = {
    smtp: smtpPage, domains: domainsPage, accounts: accountsPage, relay: relayPage,
    whitelist: whiteListPage, location: locationPage, queue: queuePage,
  };

  async function route() {
    const name = (location.hash || "#smtp").slice(1).split("/")[0];
    const page = pages[name] ? name : "smtp";
    for (const link of $("nav").querySelectorAll("a")) {
      if (link.getAttribute("href") === "#" + page) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    const main = $("main");
    main.replaceChildren(el("p", { class: "hint" }, "Loading…"));
    try {
      main.replaceChildren(...[await pages[page]()].flat(Infinity));
    } catch (e) {
      main.replaceChildren(el("p", { class: "error", role: "alert" }, e.message));
    }
  }

  async function reload() { await route(); }

  // ---- A list edited in place: select entries and press Delete -----------------------------------------------

  /**
   * A list box of entries with an input to add one. Delete (or Backspace) on the selected entries removes them, as
   * the original options pages did. onAdd/onDelete return a promise; a refused add shows the server's reason next
   * to the input, which keeps what was typed.
   */
  function listEditor({ id, label, items, text, placeholder, hint, onAdd, onDelete }) {
    const box = el("select", { id: id + "-list", class: "listbox mono", multiple: true, size: Math.min(12, Math.max(6, items.length)), "aria-label": label },
      items.map((item) => el("option", { value: typeof item === "string" ? item : item.value }, text ? text(item) : item)));
    const input = el("input", { id: id + "-input", class: "grow mono", placeholder, "aria-label": "New entry for " + label, autocomplete: "off", spellcheck: "false" });
    const error = el("span", { id: id + "-error", class: "error", role: "alert" });
    const remove = async () => {
      const chosen = [...box.selectedOptions].map((o) => o.value);
      if (chosen.length === 0) return;
      if (await attempt(() => onDelete(chosen), chosen.length === 1 ? "Deleted " + chosen[0] : "Deleted " + chosen.length + " entries")) await reload();
    };
    box.addEventListener("keydown", (event) => {
      if (event.key === "Delete" || event.key === "Backspace") {
        event.preventDefault();
        remove();
      }
    });
    const add = async (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      try {
        await onAdd(value);
        notify("Added " + value);
        await reload();
      } catch (e) {
        if (e.status === 401) return;
        error.textContent = e.message;
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
    };
    input.addEventListener("input", () => { error.textContent = ""; input.removeAttribute("aria-invalid"); });
    return el("div", { class: "card" },
      el("h2", {}, label),
      box,
      el("p", { class: "hint" }, hint || "Select an entry and press Delete to remove it."),
      el("form", { class: "row", onsubmit: add }, input, el("button", { type: "submit" }, "Add"),
        el("button", { type: "button", class: "danger", onclick: remove }, "Delete selected")),
      el("div", {}, error));
  }

  // ---- SMTP Server (node settings, read-only) ----------------------------------------------------------------

  async function smtpPage() {
    const node = await api("GET", "/node");
    const listeners = table(["Listener", "Enabled", "Port", "Listen on IP address", "Endpoints", "TLS", "Login", "Setting"],
      node.listeners.map((l) => el("tr", {},
        el("td", {}, l.title), el("td", {}, l.enabled ? "yes" : "no"), el("td", {}, l.port), el("td", { class: "mono" }, l.listenAddress),
        el("td", { class: "mono" }, l.endpoints || "—"), el("td", {}, l.tls), el("td", {}, l.auth), el("td", { class: "mono" }, l.setting))));
    const tls = node.tls;
    return [
      el("h1", {}, "SMTP Server"),
      el("p", { class: "hint" }, node.changeWith),
      el("div", { class: "card" }, facts([
        ["SMTP Server Domain", node.serverDomain],
        ["Version", node.version],
        ["Admin listener", node.admin.endpoints + " (" + node.admin.setting + ")"],
      ])),
      el("div", { class: "card" }, el("h2", {}, "Listeners"), listeners),
      el("div", { class: "card" }, el("h2", {}, "TLS certificate (EmailAI:Tls)"), tls ? facts([
        ["Subject", tls.subject], ["Issuer", tls.issuer], ["Valid until", when(tls.notAfter)],
        ["SHA-256", el("span", { class: "mono" }, tls.sha256Fingerprint)],
        ["Source", tls.selfSigned ? "self-signed, generated (set EmailAI:Tls:CertificatePath and KeyPath)" : tls.source],
      ]) : el("p", {}, "No certificate loaded on this node.")),
      el("div", { class: "card" }, el("h2", {}, "Limits (" + node.smtp.setting + ")"), facts([
        ["Largest message", bytes(node.smtp.maxMessageSize) + " (MaxMessageSize)"],
        ["Recipients per message", node.smtp.maxRecipients + " (MaxRecipients)"],
        ["Connections", node.smtp.maxConnections + ", " + node.smtp.maxConnectionsPerClient + " per client (MaxConnections, MaxConnectionsPerClient)"],
        ["Command timeout", node.smtp.commandTimeout + " (CommandTimeout)"],
      ])),
    ];
  }

  // ---- Local Domains, Advanced Delivery, DKIM ----------------------------------------------------------------

  function deliveryText(d) {
    if (!d || d.mode !== "forward") return "mailboxes (POP3)";
    return "Advanced Delivery to " + d.host + ":" + (d.port ?? 25);
  }

  /** Mode, host and port inputs; read() gives the delivery body. */
  function deliveryInputs(prefix, current) {
    const mode = el("select", { id: prefix + "-mode" },
      el("option", { value: "mailbox" }, "Mailboxes (POP3)"),
      el("option", { value: "forward" }, "Advanced Delivery (forward to a server)"));
    mode.value = current && current.mode === "forward" ? "forward" : "mailbox";
    const host = el("input", { id: prefix + "-host", placeholder: "10.0.0.5 or mail.internal", value: current?.host || "", class: "mono" });
    const port = el("input", { id: prefix + "-port", type: "number", min: 1, max: 65535, value: current?.port ?? 25 });
    const sync = () => { host.disabled = port.disabled = mode.value !== "forward"; };
    mode.addEventListener("change", sync);
    sync();
    return {
      nodes: [...field("Delivery", mode), ...field("Host", host), ...field("Port", port)],
      read: () => mode.value === "forward"
        ? { ...(current?.mode === "forward" ? current : {}), mode: "forward", host: host.value.trim(), port: Number(port.value) || 25 }
        : { mode: "mailbox" },
    };
  }

  async function domainsPage() {
    const domains = await api("GET", "/domains");
    const selected = decodeURIComponent(location.hash.split("/")[1] || "");
    const name = el("input", { id: "domain-name", placeholder: "example.com", class: "mono", autocomplete: "off" });
    const delivery = deliveryInputs("domain-new");
    const addError = el("span", { class: "error", role: "alert", id: "domain-error" });
    const add = async (event) => {
      event.preventDefault();
      try {
        const domain = name.value.trim();
        await api("PUT", "/domains/" + enc(domain), { delivery: delivery.read() });
        notify("Added " + domain);
        location.hash = "#domains/" + enc(domain.toLowerCase());
      } catch (e) { if (e.status !== 401) addError.textContent = e.message; }
    };
    const rows = domains.map((d) => el("tr", {
      class: "clickable" + (d.name === selected ? " selected" : ""),
      onclick: () => { location.hash = "#domains/" + enc(d.name); },
    }, el("td", { class: "mono" }, d.name), el("td", {}, deliveryText(d.delivery)), el("td", {}, d.accounts ?? "—"),
      el("td", {}, d.unlistedSenders || "deliver")));
    const parts = [
      el("h1", {}, "Local Domains"),
      el("div", { class: "card" }, domains.length ? table(["Domain", "Delivery", "Accounts", "Unlisted senders"], rows) : el("p", {}, "No local domains yet.")),
      el("form", { class: "card", onsubmit: add }, el("h2", {}, "Add a domain"),
        el("div", { class: "row" }, ...field("Domain", name), ...delivery.nodes, el("button", { type: "submit" }, "Add domain")), addError),
    ];
    const current = domains.find((d) => d.name === selected);
    if (current) parts.push(await domainDetail(current));
    return parts;
  }

  async function domainDetail(domain) {
    const delivery = deliveryInputs("domain-edit", domain.delivery);
    const unlisted = el("select", { id: "domain-unlisted" }, el("option", { value: "deliver" }, "deliver"), el("option", { value: "quarantine" }, "quarantine"));
    unlisted.value = domain.unlistedSenders || "deliver";
    const save = async (event) => {
      event.preventDefault();
      const body = { delivery: delivery.read(), postmaster: domain.postmaster, quotaBytes: domain.quotaBytes, unlistedSenders: unlisted.value };
      if (await attempt(() => api("PUT", "/domains/" + enc(domain.name), body), "Saved " + domain.name)) await reload();
    };
    const remove = async () => {
      if (!confirm("Delete the domain " + domain.name + "?")) return;
      if (await attempt(() => api("DELETE", "/domains/" + enc(domain.name)), "Deleted " + domain.name)) location.hash = "#domains";
    };

    let dkim = null;
    try { dkim = await api("GET", "/domains/" + enc(domain.name) + "/dkim"); } catch (e) { if (e.status !== 404) throw e; }
    const selector = el("input", { id: "dkim-selector", value: dkim ? nextSelector(dkim.selector) : "emailai1", class: "mono" });
    const algorithm = el("select", { id: "dkim-algorithm" }, el("option", { value: "rsa-sha256" }, "RSA 2048 (rsa-sha256)"), el("option", { value: "ed25519-sha256" }, "Ed25519 (ed25519-sha256)"));
    const create = async (event) => {
      event.preventDefault();
      const body = { selector: selector.value.trim(), algorithm: algorithm.value };
      if (algorithm.value === "rsa-sha256") body.keyBits = 2048;
      if (await attempt(() => api("PUT", "/domains/" + enc(domain.name) + "/dkim", body), "New DKIM key for " + domain.name + ": publish its record")) await reload();
    };
    const stop = async () => {
      if (!confirm("Stop signing mail from " + domain.name + " and delete its key?")) return;
      if (await attempt(() => api("DELETE", "/domains/" + enc(domain.name) + "/dkim"), "DKIM key deleted")) await reload();
    };
    return el("div", { class: "card", id: "domain-detail" },
      el("h2", {}, domain.name),
      el("form", { onsubmit: save }, el("div", { class: "row" }, ...delivery.nodes),
        el("div", { class: "row" }, ...field("Mail from unlisted senders", unlisted), el("button", { type: "submit" }, "Save")),
        el("p", { class: "hint" }, "Advanced Delivery hands every message for this domain to the internal server at host:port instead of the mailboxes.")),
      el("h2", {}, "DKIM signing"),
      dkim ? [facts([["Selector", dkim.selector], ["Algorithm", dkim.algorithm], ["Publish at", el("span", { class: "mono", id: "dkim-name" }, dkim.dnsName)]]),
        el("p", { class: "hint" }, "TXT record to publish:"), el("pre", { id: "dkim-record" }, dkim.dnsRecord),
        el("button", { type: "button", class: "danger", onclick: stop }, "Delete key")]
        : el("p", {}, "Mail from this domain is not signed."),
      el("form", { class: "row", onsubmit: create }, ...field("Selector", selector), ...field("Algorithm", algorithm),
        el("button", { type: "submit" }, dkim ? "Create a new key" : "Create key")),
      el("h2", {}, "Delete"),
      el("button", { type: "button", class: "danger", onclick: remove }, "Delete domain " + domain.name));
  }

  function nextSelector(selector) {
    const m = /^(.*?)(\d+)$/.exec(selector);
    return m ? m[1] + (Number(m[2]) + 1) : selector + "2";
  }

  // ---- Local Accounts and their quarantine -------------------------------------------------------------------

  async function accountsPage() {
    const list = await api("GET", "/accounts");
    const shown = list.slice(0, 200);
    const accounts = await Promise.all(shown.map((a) => api("GET", "/accounts/" + enc(a.address)).catch(() => ({ address: a.address }))));
    const selected = decodeURIComponent(location.hash.split("/")[1] || "");
    const address = el("input", { id: "account-address", placeholder: "alice@example.com", class: "mono", autocomplete: "off" });
    const password = el("input", { id: "account-password", type: "password", autocomplete: "new-password" });
    const addError = el("span", { class: "error", role: "alert", id: "account-error" });
    const add = async (event) => {
      event.preventDefault();
      try {
        const a = address.value.trim();
        await api("PUT", "/accounts/" + enc(a), { password: password.value });
        notify("Added " + a);
        location.hash = "#accounts/" + enc(a.toLowerCase());
      } catch (e) { if (e.status !== 401) addError.textContent = e.message; }
    };
    const rows = accounts.map((a) => el("tr", {
      class: "clickable" + (a.address === selected ? " selected" : ""),
      onclick: () => { location.hash = "#accounts/" + enc(a.address); },
    }, el("td", { class: "mono" }, a.address), el("td", {}, a.messageCount ?? "—"), el("td", {}, bytes(a.usedBytes)),
      el("td", {}, a.effectiveQuotaBytes ? bytes(a.effectiveQuotaBytes) : "unlimited"), el("td", {}, deliveryText(a.delivery)),
      el("td", {}, a.effectiveUnlistedSenders ?? "—")));
    const parts = [
      el("h1", {}, "Local Accounts"),
      el("div", { class: "card" }, accounts.length ? table(["Account", "Messages", "Size", "Quota", "Delivery", "Unlisted senders"], rows) : el("p", {}, "No accounts yet."),
        list.length > shown.length ? el("p", { class: "hint" }, "Showing the first " + shown.length + " of " + list.length + " accounts.") : null),
      el("form", { class: "card", onsubmit: add }, el("h2", {}, "Add an account"),
        el("div", { class: "row" }, ...field("Address", address), ...field("Password", password), el("button", { type: "submit" }, "Add account")), addError,
        el("p", { class: "hint" }, "The domain must be a local domain. Passwords are stored hashed.")),
    ];
    const current = accounts.find((a) => a.address === selected);
    if (current) parts.push(await accountDetail(current));
    return parts;
  }

  async function accountDetail(account) {
    const path = "/accounts/" + enc(account.address);
    const delivery = deliveryInputs("account-edit", account.delivery);
    const unlisted = el("select", { id: "account-unlisted" }, el("option", { value: "" }, "as the domain (" + account.effectiveUnlistedSenders + ")"),
      el("option", { value: "deliver" }, "deliver"), el("option", { value: "quarantine" }, "quarantine"));
    unlisted.value = account.unlistedSenders || "";
    const save = async (event) => {
      event.preventDefault();
      const body = { delivery: delivery.read(), quotaBytes: account.quotaBytes, unlistedSenders: unlisted.value || null };
      if (await attempt(() => api("PUT", path, body), "Saved " + account.address)) await reload();
    };
    const password = el("input", { id: "account-new-password", type: "password", autocomplete: "new-password" });
    const setPassword = async (event) => {
      event.preventDefault();
      // PUT replaces the quota and the unlisted-senders mode: send them back as they are.
      const body = { password: password.value, quotaBytes: account.quotaBytes, unlistedSenders: account.unlistedSenders };
      if (await attempt(() => api("PUT", path, body), "Password set for " + account.address)) password.value = "";
    };
    const remove = async () => {
      if (!confirm("Delete the account " + account.address + " and its mail?")) return;
      if (await attempt(() => api("DELETE", path), "Deleted " + account.address)) location.hash = "#accounts";
    };
    const held = await api("GET", path + "/quarantine");
    const act = async (message, method, suffix, done) => {
      if (await attempt(() => api(method, path + "/quarantine/" + message.id + suffix), done)) await reload();
    };
    const quarantine = held.length === 0 ? el("p", { id: "quarantine-empty" }, "Nothing held.") : table(["From", "Subject", "Size", "Held", "Expires", ""],
      held.map((m) => el("tr", { "data-id": m.id },
        el("td", { class: "mono" }, m.from || m.sender || "<>"), el("td", {}, m.subject ?? "(no subject)"), el("td", {}, bytes(m.size)),
        el("td", {}, when(m.heldAt)), el("td", {}, when(m.expiresAt)),
        el("td", {}, el("button", { type: "button", class: "secondary", onclick: () => act(m, "POST", "/release", (r) => "Released to the mailbox" +
            (r && r.whiteListed ? "; the sender is now on the white list" : "; the sender was not white-listed (its From was not authenticated)")) }, "Release"), " ",
          el("button", { type: "button", class: "danger", onclick: () => act(m, "DELETE", "", "Deleted") }, "Delete")))));
    return el("div", { class: "card", id: "account-detail" },
      el("h2", {}, account.address),
      facts([["Messages", account.messageCount], ["Size", bytes(account.usedBytes)], ["Created", when(account.createdAt)]]),
      el("form", { onsubmit: save }, el("div", { class: "row" }, ...delivery.nodes),
        el("div", { class: "row" }, ...field("Mail from senders not on the white list", unlisted), el("button", { type: "submit" }, "Save"))),
      el("form", { class: "row", onsubmit: setPassword }, ...field("New password", password), el("button", { type: "submit" }, "Set password")),
      el("h2", {}, "Quarantine"),
      el("div", { id: "quarantine" }, quarantine),
      el("p", { class: "hint" }, el("a", { href: "#whitelist/" + enc(account.address) }, "White list of " + account.address)),
      el("h2", {}, "Delete"),
      el("button", { type: "button", class: "danger", onclick: remove }, "Delete account " + account.address));
  }

  // ---- Authorised IP (Relay) and the dry run -----------------------------------------------------------------

  /**
   * A list edit of the relay policy (add an entry, delete some): read fresh, changed, written back only to the version
   * read (If-Match). When someone else changed it in between (412), read again and redo the edit, so neither change is lost.
   */
  async function changeRelay(change) {
    for (let attempt = 1; ; attempt++) {
      const current = await api("GET", "/relay");
      try {
        return await api("PUT", "/relay", change(current), false, { "If-Match": '"' + current.version + '"' });
      } catch (e) {
        if (e.status !== 412 || attempt >= 5) throw e;
      }
    }
  }

  async function relayPage() {
    const relay = await api("GET", "/relay");
    const autoWhite = el("input", { id: "relay-auto-whitelist", type: "checkbox", checked: relay.autoWhiteListRecipients });
    autoWhite.addEventListener("change", () => attempt(() => api("PUT", "/relay", { autoWhiteListRecipients: autoWhite.checked }),
      autoWhite.checked ? "Recipients of mail users send are added to their white lists" : "Auto white list off"));
    const senders = el("select", { id: "relay-submission-senders" }, el("option", { value: "own" }, "only the account's own address"),
      el("option", { value: "domain" }, "any address of the account's domain"), el("option", { value: "any" }, "any address"));
    senders.value = relay.submissionSenders;
    senders.addEventListener("change", () => attempt(() => api("PUT", "/relay", { submissionSenders: senders.value }), "Saved"));
    return [
      el("h1", {}, "Authorised IP (Relay)"),
      el("p", { class: "hint" }, "Clients at these addresses may send mail to any domain; everyone else only to local accounts, unless they log in. " +
        "Wildcards: 192.168.1.% or 192.168.%.%; ranges in CIDR form: 10.0.0.0/8, 2001:db8::/32."),
      listEditor({
        id: "relay", label: "Authorised IP addresses", items: relay.authorisedIps, placeholder: "192.168.1.%",
        onAdd: (value) => changeRelay((r) => ({ authorisedIps: [...r.authorisedIps, value] })),
        onDelete: (chosen) => changeRelay((r) => ({ authorisedIps: r.authorisedIps.filter((e) => !chosen.includes(e)) })),
      }),
      el("div", { class: "card" }, el("h2", {}, "Options"),
        el("div", { class: "row" }, autoWhite, el("label", { for: autoWhite.id }, "Add the recipients of mail a user sends to that user's white list")),
        el("div", { class: "row" }, ...field("Logged-in users may send as", senders))),
      dryRun(),
    ];
  }

  /** "Would this client be allowed?": the verdict the server would give, decided by the same rules; nothing is sent. */
  function dryRun(locationOnly) {
    const ip = el("input", { id: "check-ip", placeholder: "203.0.113.7", class: "mono" });
    const to = el("input", { id: "check-to", placeholder: "bob@example.org", class: "mono" });
    const from = el("input", { id: "check-from", placeholder: "sender (optional)", class: "mono" });
    const result = el("div", { id: "check-result" });
    const run = async (event) => {
      event.preventDefault();
      const query = new URLSearchParams({ ip: ip.value.trim() });
      if (!locationOnly && to.value.trim()) query.set("to", to.value.trim());
      if (!locationOnly && from.value.trim()) query.set("from", from.value.trim());
      try {
        const r = await api("GET", "/relay/check?" + query);
        result.replaceChildren(facts([
          ["Country", r.country ? r.country : (r.database ? "not in the database" : "no location database")],
          ["Location", r.location.blocked ? "blocked (" + (r.location.rule || "") + (r.location.detail ? ": " + r.location.detail : "") + ")" : "not blocked" + (r.location.exemption ? " (" + r.location.exemption + ")" : "")],
          locationOnly ? null : ["May relay", r.relay.authorised ? "yes, by the entry " + r.relay.matchedEntry : "no (not an Authorised IP; it would need to log in)"],
          r.reply ? ["Reply", el("span", { class: "mono", id: "check-reply" }, r.reply.line)] : null,
          r.spf ? ["SPF", r.spf.result + (r.spf.reason ? " — " + r.spf.reason : "")] : null,
        ]));
        result.className = r.location.blocked || (r.outcome && r.outcome !== "accept") ? "error" : "ok";
      } catch (e) {
        if (e.status === 401) return;
        result.className = "error";
        result.replaceChildren(e.message);
      }
    };
    return el("form", { class: "card", onsubmit: run },
      el("h2", {}, locationOnly ? "Would this address be blocked?" : "Would this address be allowed to relay?"),
      el("div", { class: "row" }, ...field("Client IP", ip), locationOnly ? null : [...field("Recipient", to), ...field("Sender", from)],
        el("button", { type: "submit" }, "Check")),
      result);
  }

  // ---- White List --------------------------------------------------------------------------------------------

  async function whiteListPage() {
    const owner = decodeURIComponent(location.hash.split("/")[1] || "");
    const accounts = await api("GET", "/accounts");
    const relay = await api("GET", "/relay");
    const pick = el("select", { id: "whitelist-owner" }, el("option", { value: "" }, "choose an account"),
      accounts.map((a) => el("option", { value: a.address }, a.address)));
    pick.value = owner;
    pick.addEventListener("change", () => { location.hash = "#whitelist/" + enc(pick.value); });
    const autoWhite = el("input", { id: "whitelist-auto", type: "checkbox", checked: relay.autoWhiteListRecipients });
    autoWhite.addEventListener("change", () => attempt(() => api("PUT", "/relay", { autoWhiteListRecipients: autoWhite.checked }), "Saved"));
    const parts = [
      el("h1", {}, "White List"),
      el("div", { class: "card" }, el("div", { class: "row" }, ...field("Account", pick)),
        el("div", { class: "row" }, autoWhite, el("label", { for: autoWhite.id }, "Add the recipients of mail a user sends to that user's white list (all accounts)"))),
    ];
    if (owner) {
      const path = "/whitelist/" + enc(owner);
      const entries = await api("GET", path);
      parts.push(listEditor({
        id: "whitelist", label: "Senders white-listed for " + owner, placeholder: "bob@example.org",
        items: entries.map((e) => ({ value: e.address, entry: e })),
        text: (item) => item.value + "  (" + (item.entry.source || "added") + ", " + when(item.entry.addedAt) + (item.entry.lastMatchedAt ? ", last mail " + when(item.entry.lastMatchedAt) : "") + ")",
        onAdd: (value) => api("PUT", path + "/" + enc(value)),
        onDelete: async (chosen) => { for (const a of chosen) await api("DELETE", path + "/" + enc(a)); },
      }));
    }
    return parts;
  }

  // ---- IP Location Blocking ----------------------------------------------------------------------------------

  async function locationPage() {
    const blocking = (await api("GET", "/relay")).ipLocationBlocking;
    const db = blocking.database;
    const listOf = (key, label, placeholder, hint) => listEditor({
      id: "location-" + key, label, items: blocking[key], placeholder, hint,
      onAdd: (value) => changeRelay((r) => ({ ipLocationBlocking: { [key]: [...r.ipLocationBlocking[key], value] } })),
      onDelete: (chosen) => changeRelay((r) => ({ ipLocationBlocking: { [key]: r.ipLocationBlocking[key].filter((e) => !chosen.includes(e)) } })),
    });
    const message = el("textarea", { id: "location-message" });
    message.value = blocking.message || "";
    const unknown = el("input", { id: "location-unknown", type: "checkbox", checked: blocking.blockUnknown });
    const messageError = el("span", { class: "error", role: "alert" });
    const save = async (event) => {
      event.preventDefault();
      messageError.textContent = "";
      try {
        await api("PUT", "/relay", { ipLocationBlocking: { message: message.value, blockUnknown: unknown.checked } });
        notify("Saved");
      } catch (e) { if (e.status !== 401) messageError.textContent = e.message; }
    };
    return [
      el("h1", {}, "IP Location Blocking"),
      el("div", { class: "card" }, el("h2", {}, "Location database of this node"), db.available
        ? facts([["Format", db.format], ["Ranges", db.ranges], ["Loaded", when(db.loadedAt)], ["Files", (db.sources || []).join(", ")], db.lastError ? ["Last error", db.lastError] : null])
        : el("p", { class: "error" }, "No location database: " + (db.reason || "none configured") + ". Countries cannot be blocked; ranges still are.")),
      listOf("blockedCountries", "Blocked countries", "CN", "Two-letter country codes (ISO 3166-1). Select one and press Delete to remove it."),
      listOf("allowedCountries", "Allowed countries (when set, every other country is blocked)", "DE"),
      listOf("blockedRanges", "Blocked address ranges", "198.51.100.0/24"),
      el("form", { class: "card", onsubmit: save }, el("h2", {}, "Message"),
        el("p", { class: "hint" }, "The text a blocked client is refused with (550 5.7.1 …)."),
        message,
        el("div", { class: "row" }, unknown, el("label", { for: unknown.id }, "Also block addresses whose country is unknown")),
        el("div", { class: "row" }, el("button", { type: "submit" }, "Save"), messageError)),
      dryRun(true),
    ];
  }

  // ---- Outbound queue ----------------------------------------------------------------------------------------

  function actionNote(r) {
    return r.selection + ": " + r.matched + " matched, " + r.changed + " changed" + (r.inFlight ? ", " + r.inFlight + " being sent" : "") + (r.note ? ". " + r.note : "");
  }

  async function queuePage() {
    const [, queueId] = location.hash.split("/");
    if (queueId) return queueMessage(decodeURIComponent(queueId));
    const params = new URLSearchParams(sessionStorage.getItem("emailai.queue-filter") || "");
    const inputs = {
      destination: el("input", { id: "queue-destination", class: "mono", placeholder: "example.org", value: params.get("destination") || "" }),
      sender: el("input", { id: "queue-sender", class: "mono", placeholder: "alice@example.com", value: params.get("sender") || "" }),
      recipient: el("input", { id: "queue-recipient", class: "mono", placeholder: "bob@example.org", value: params.get("recipient") || "" }),
      minAge: el("input", { id: "queue-minage", placeholder: "2h", size: 6, value: params.get("minAge") || "" }),
      state: el("select", { id: "queue-state" }, ["", "queued", "deferred", "sending", "held"].map((s) => el("option", { value: s }, s || "any"))),
    };
    inputs.state.value = params.get("state") || "";
    const filter = () => {
      const q = new URLSearchParams();
      for (const [k, input] of Object.entries(inputs)) if (input.value.trim()) q.set(k, input.value.trim());
      return q;
    };
    const bulk = async (action, q) => {
      if (action === "delete" && !confirm("Delete every message " + (q.toString() ? "matching " + q : "in the queue") + "?")) return;
      const suffix = q.toString() ? "?" + q : (action === "delete" ? "?all=true" : "");
      if (await attempt(() => action === "delete" ? api("DELETE", "/queue" + suffix) : api("POST", "/queue/" + action + suffix), actionNote)) await reload();
    };
    const apply = (event) => { event.preventDefault(); sessionStorage.setItem("emailai.queue-filter", filter().toString()); reload(); };
    // The bulk buttons act on the filter the rows shown were listed by, not on what is typed and not yet applied:
    // clearing a field and then pressing "Hold matching" must not hold the whole queue.
    const applied = filter();

    // A filter the server refuses is shown beside the form, which stays, so it can be corrected.
    const destinations = await api("GET", "/queue/destinations?limit=1000");
    let rows = [];
    const filterError = el("p", { class: "error", role: "alert", id: "queue-filter-error" });
    try {
      rows = await api("GET", "/queue?" + applied + "&limit=500");
    } catch (e) {
      if (e.status !== 400) throw e;
      filterError.textContent = e.message;
    }
    const destinationRows = destinations.map((d) => el("tr", {},
      el("td", { class: "mono" }, d.destination), el("td", {}, d.messages), el("td", {}, d.recipients), el("td", {}, d.held), el("td", {}, d.sending),
      el("td", {}, d.connections), el("td", {}, age(d.oldestReceivedAt)), el("td", {}, when(d.nextAttemptAt)),
      el("td", { class: "mono" }, d.lastError || "—"), el("td", {}, when(d.lastErrorAt)),
      el("td", {}, el("button", { type: "button", class: "secondary", onclick: () => bulk("retry", new URLSearchParams({ destination: d.destination })) }, "Retry now"))));
    const rowAction = async (row, action) => {
      if (action === "delete" && !confirm("Delete the message to " + row.recipient + "?")) return;
      if (await attempt(() => action === "delete" ? api("DELETE", "/queue/" + row.id) : api("POST", "/queue/" + row.id + "/" + action),
        (r) => r && r.matched !== undefined ? actionNote(r) : action + " " + row.recipient)) await reload();
    };
    const messageRows = rows.map((r) => el("tr", { "data-id": r.id },
      el("td", {}, el("a", { href: "#queue/" + enc(r.queueId), class: "mono" }, r.queueId)), el("td", { class: "mono" }, r.recipient),
      el("td", { class: "mono" }, r.sender || "<>"), el("td", {}, el("span", { class: "badge " + r.state }, r.state)), el("td", {}, r.attempts),
      el("td", {}, age(r.receivedAt)), el("td", {}, when(r.nextAttemptAt)), el("td", { class: "mono" }, r.lastError || "—"),
      el("td", {}, ["retry", r.state === "held" ? "release" : "hold", "delete"].map((a) =>
        [el("button", { type: "button", class: a === "delete" ? "danger" : "secondary", onclick: () => rowAction(r, a) }, a[0].toUpperCase() + a.slice(1)), " "]))));
    return [
      el("h1", {}, "Outbound Queue"),
      el("div", { class: "card" }, el("h2", {}, "By destination"),
        destinations.length ? table(["Destination", "Messages", "Recipients", "Held", "Sending", "Connections", "Oldest", "Next attempt", "Last error", "When", ""], destinationRows)
          : el("p", {}, "The queue is empty."),
        destinations.length === 1000 ? el("p", { class: "hint" }, "The first 1000 destinations are shown.") : null),
      el("form", { class: "card", onsubmit: apply }, el("h2", {}, "Messages"),
        el("div", { class: "row" }, ...field("Destination", inputs.destination), ...field("Sender", inputs.sender), ...field("Recipient", inputs.recipient),
          ...field("Older than", inputs.minAge), ...field("State", inputs.state), el("button", { type: "submit" }, "Filter")),
        filterError,
        el("div", { class: "row" },
          ["retry", "hold", "release", "delete"].map((a) => el("button", { type: "button", class: a === "delete" ? "danger" : "secondary", onclick: () => bulk(a, applied) },
            a[0].toUpperCase() + a.slice(1) + (applied.toString() ? " matching" : " all")))),
        rows.length === 500 ? el("p", { class: "hint", id: "queue-more" }, "The first 500 recipients are shown; a filter narrows them. The buttons above act on every match, shown or not.") : null,
        filterError.textContent ? null : rows.length ? table(["Queue id", "Recipient", "Sender", "State", "Attempts", "Age", "Next attempt", "Last error", ""], messageRows) : el("p", {}, "No messages match.")),
    ];
  }

  async function queueMessage(queueId) {
    const m = await api("GET", "/queue/" + enc(queueId));
    const content = el("pre", { id: "queue-content", hidden: true });
    const show = async () => {
      try {
        content.textContent = await api("GET", "/queue/" + enc(queueId) + "/content", undefined, true);
        content.hidden = false;
      } catch (e) { if (e.status !== 401) notify(e.message, true); }
    };
    const act = async (action) => {
      if (action === "delete" && !confirm("Delete message " + queueId + " for every recipient?")) return;
      if (await attempt(() => action === "delete" ? api("DELETE", "/queue/" + enc(queueId)) : api("POST", "/queue/" + enc(queueId) + "/" + action), actionNote)) {
        if (action === "delete") location.hash = "#queue"; else await reload();
      }
    };
    return [
      el("h1", {}, "Queued message " + m.queueId),
      el("p", {}, el("a", { href: "#queue" }, "← Outbound queue")),
      el("div", { class: "card" }, facts([["Sender", m.sender || "<>"], ["Received", when(m.receivedAt) + " (" + age(m.receivedAt) + " ago)"], ["Size", bytes(m.size)]]),
        el("div", { class: "row" }, ["retry", "hold", "release", "delete"].map((a) =>
          el("button", { type: "button", class: a === "delete" ? "danger" : "secondary", onclick: () => act(a) }, a[0].toUpperCase() + a.slice(1))))),
      m.recipients.map((r) => el("div", { class: "card" },
        el("h2", {}, r.recipient + " "), el("span", { class: "badge " + r.state }, r.state),
        facts([["Attempts", r.attempts], ["Next attempt", when(r.nextAttemptAt)], ["Last error", r.lastError], ["Last error at", when(r.lastErrorAt)]]),
        (r.history || []).length ? table(["When", "Remote host", "Reply"], r.history.map((h) => el("tr", {},
          el("td", {}, when(h.at)), el("td", { class: "mono" }, h.host || "—"), el("td", { class: "mono" }, h.reply)))) : el("p", { class: "hint" }, "No attempt yet."))),
      el("div", { class: "card" }, el("h2", {}, "Header fields"),
        table(["Field", "Value"], m.headers.map((h) => el("tr", {}, el("td", { class: "mono" }, h.name), el("td", { class: "mono" }, h.value)))),
        el("div", { class: "row" }, el("button", { type: "button", class: "secondary", onclick: show }, "Show the whole message")), content),
    ];
  }

  // ---- Start -------------------------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", signIn);
    $("logout").addEventListener("click", () => signOut());
    window.addEventListener("hashchange", () => { if (!$("app").hidden) route(); });
    if (sessionStorage.getItem(TOKEN_KEY)) {
      showApp().catch((e) => { if (e.status !== 401) signOut(e.message); });
    } else {
      signOut();
    }
  });
})();
