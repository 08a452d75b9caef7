"""Two things piccolo-admin 1.14's page cannot be told, added by one small script.

Readable table names: its sidebar and headings show a table's SQL name with spaces
("piccolo user", "npn validations"); the script shows ``LABELS`` instead.

Drop-downs in the admin's forms:

piccolo-admin 1.14 draws a custom form's fields with its ``NewForm`` component, which
(unlike the table editor) passes no ``choices`` to its inputs: every string field is a
text box, whatever the pydantic model says. This adds one small same-origin script to the
admin's page that, on a form page, turns each text box whose schema lists its values (a
``Literal``'s ``enum``, or ``extra.choices`` as piccolo's own models write them) into a
drop-down, and shows the chosen value's description underneath. The drop-down writes into
the original box, so the form submits exactly as before and still works without it.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from workflow.accounts.staff import principal_from_session_cookie
from workflow.web.auth import STAFF_COOKIE

SCRIPT_PATH = "/extras/admin-extras.js"
ROLE_NAME = "role.json"  # beside the script: the signed-in user's role, for the page
LABELS = {
    "piccolo_user": "users (logins)",
    "npn_validations": "NPN validations",
    "api_tokens": "API tokens",
}

SCRIPT = r"""
(() => {
  const labels = new Map(Object.entries(__LABELS__).map(([k, v]) => [k.replaceAll("_", " "), v]));
  const relabel = () => {
    for (const el of document.querySelectorAll("#app span, #app h1")) {
      const text = el.childElementCount ? null : el.textContent.trim();
      if (text && labels.has(text)) el.textContent = labels.get(text);
    }
  };

  const schemas = {};
  const schemaFor = (slug) => (schemas[slug] ??= fetch(`./api/forms/${slug}/schema/`, {
    credentials: "same-origin",
  }).then((r) => (r.ok ? r.json() : null)).catch(() => null));

  const optionsOf = (prop) => {
    const extra = (prop.extra && prop.extra.choices) || null;
    if (extra) return Object.values(extra);
    const values = prop.enum || (prop.anyOf || []).map((p) => p.enum).find(Boolean);
    return values ? values.map((v) => ({ value: v, display_name: String(v) })) : null;
  };

  const dropDown = (input, prop, options) => {
    const select = document.createElement("select");
    select.dataset.choicesFor = input.name;
    select.setAttribute("aria-label", prop.title || input.name);
    const blank = new Option(prop.default == null ? "— choose —" : "", "");
    select.add(blank);
    for (const o of options) {
      const option = new Option(o.display_name, o.value);
      if (o.description) option.title = o.description;
      select.add(option);
    }
    select.value = input.value || (prop.default ?? "");
    const help = document.createElement("p");
    help.className = "choice-help";
    const describe = () => {
      const chosen = options.find((o) => String(o.value) === select.value);
      help.textContent = (chosen && chosen.description) || "";
    };
    select.addEventListener("change", () => {
      input.value = select.value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      describe();
    });
    describe();
    input.hidden = true;
    input.after(select, help);
  };

  const enhance = async () => {
    const match = location.hash.match(/^#\/forms\/([^/?#]+)/);
    if (!match) return;
    const schema = await schemaFor(match[1]);
    if (!schema) return;
    for (const [name, prop] of Object.entries(schema.properties || {})) {
      const options = optionsOf(prop);
      const input = document.querySelector(`form input[type=text][name="${name}"]`);
      if (!options || !input || input.hidden) continue;
      dropDown(input, prop, options);
    }
  };

  // Case tables: each row links to its staff case page; the edit page says where the
  // case is moved and shows what may not change as read-only; nothing offers a delete
  // (refused everywhere) or an "add row" where rows come from elsewhere.
  const config = __CONFIG__;
  let role;  // the signed-in user's role, once known
  fetch("./extras/role.json", { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : {})).then((me) => { role = me.role || null; readOnly(); })
    .catch(() => { role = null; });
  const style = document.createElement("style");
  style.textContent = ".read-only-field{opacity:.55}.read-only-field label::after{" +
    "content:' (read-only)';font-weight:normal}.admin-note{padding:.5em .75em;" +
    "background:#eef4fd;border-left:4px solid #1a56b4;margin:.5em 0 1em}";
  document.head.append(style);
  const caseLinks = () => {
    const list = location.hash.match(/^#\/([a-z_]+)\/?(?:\?|$)/);
    if (!list || !config.cases[list[1]]) return;
    const table = list[1];
    for (const a of document.querySelectorAll(`#app tbody span.link > a[href^="#/${table}/"]`)) {
      const id = (a.getAttribute("href").match(/^#\/[a-z_]+\/(\d+)\/?$/) || [])[1];
      if (!id || a.parentElement.dataset.casePage) continue;
      a.parentElement.dataset.casePage = "1";
      const link = document.createElement("a");
      link.href = `/staff/cases/${config.cases[table]}/${id}`;
      link.className = "case-page-link";
      link.textContent = "case page";
      link.style.marginLeft = ".5em";
      a.parentElement.append(link);
    }
  };
  const readOnly = () => {
    const edit = location.hash.match(/^#\/([a-z_]+)\/(\d+)\/?$/);
    if (!edit || role === undefined) return;
    const [, table, id] = edit;
    const form = document.querySelector("#app form");
    if (!form || form.dataset.readOnlyDone) return;
    if (!form.querySelector("[name]")) return;
    form.dataset.readOnlyDone = "1";
    const editable = new Set(role === "admin" ? config.editable[table] || [] : []);
    for (const field of form.querySelectorAll("input[name], select[name], textarea[name]")) {
      if (editable.has(field.name) || field.type === "hidden") continue;
      field.disabled = true;
      field.title = "read-only here";
      const box = field.closest("div[required]") || field.parentElement;
      box.parentElement.classList.add("read-only-field");
    }
    // Widgets that keep their value in a hidden input (a row picker, a date-time).
    for (const hidden of form.querySelectorAll("input[type=hidden][name]")) {
      if (editable.has(hidden.name)) continue;
      const box = hidden.parentElement;
      for (const input of box.querySelectorAll("input:not([type=hidden]), select")) {
        input.disabled = true;
      }
      (box.closest(".key_search") ? box.parentElement : box.parentElement)
        .classList.add("read-only-field");
    }
    const note = document.createElement("p");
    note.className = "admin-note";
    const fields = [...editable].join(", ") || "nothing";
    note.textContent = role === "admin"
      ? `Only ${fields} may be changed here; greyed fields are read-only.`
      : "You may read this record; changes to rows are made by an admin.";
    if (!editable.size) {
      const save = form.querySelector("[data-uitest=save_button]");
      if (save) save.style.display = "none";
    }
    if (config.cases[table]) {
      const link = document.createElement("a");
      link.href = `/staff/cases/${config.cases[table]}/${id}`;
      link.textContent = "Open the case page";
      note.append(" States move only through events: ", link,
        " (what can be done now, why not, the history).");
    }
    form.before(note);
  };
  const noRefusedButtons = () => {
    const list = location.hash.match(/^#\/([a-z_]+)/);
    for (const el of document.querySelectorAll("#app a, #app button")) {
      const text = el.textContent.trim();
      if (/^Delete\b/.test(text)) el.style.display = "none";
      const refused = list && !config.addable.includes(list[1]);
      if (text === "Add Row" && refused) el.style.display = "none";
    }
  };
  // A refused save or bulk action: the service's sentence, not raw JSON.
  const showRefusal = (text) => {
    let box = document.getElementById("refusal-banner");
    if (!box) {
      box = document.createElement("div");
      box.id = "refusal-banner";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:9999;padding:.75em 1em;" +
        "background:#fdecea;color:#8a1c14;border-bottom:3px solid #b3261e;font:15px system-ui";
      document.body.append(box);
    }
    box.textContent = `Not done: ${text}`;
    const close = document.createElement("button");
    close.textContent = "×";
    close.setAttribute("aria-label", "close");
    close.style.cssText = "float:right;border:none;background:none;font-size:18px;cursor:pointer";
    close.addEventListener("click", () => box.remove());
    box.prepend(close);
  };
  // piccolo-admin lists a refused save's body as raw JSON: show its sentence instead.
  const readableErrors = () => {
    for (const el of document.querySelectorAll("#app li, #app p")) {
      const text = el.childElementCount ? "" : el.textContent.trim();
      if (!text.startsWith("{\"detail\"")) continue;
      try {
        const detail = JSON.parse(text).detail;
        if (typeof detail === "string") el.textContent = detail;
      } catch (e) { /* leave it */ }
    }
  };
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, ...rest) {
    this.workflowMethod = String(method).toUpperCase();
    return open.call(this, method, ...rest);
  };
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    this.addEventListener("load", () => {
      if (this.status < 400 || !/\/api\/(tables|forms)\//.test(this.responseURL)) return;
      // A row's own edit or add form lists its errors (made readable above).
      const rowForm = /\/api\/tables\//.test(this.responseURL) &&
        ["PATCH", "POST", "PUT"].includes(this.workflowMethod);
      if (rowForm) return;
      try {
        const body = JSON.parse(this.responseText);
        const detail = typeof body.detail === "string" ? body.detail
          : Array.isArray(body.detail) ? body.detail.map((d) => d.msg || d).join("; ") : null;
        if (detail) showRefusal(detail);
      } catch (e) { /* not JSON: piccolo-admin shows it */ }
    });
    return send.apply(this, args);
  };

  new MutationObserver(() => {
    relabel();
    enhance();
    caseLinks();
    readOnly();
    noRefusedButtons();
    readableErrors();
  }).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
})();
"""


def script(config: dict) -> str:
    return SCRIPT.replace("__LABELS__", json.dumps(LABELS)).replace(
        "__CONFIG__", json.dumps(config)
    )


def _extras(text: str):
    async def serve(scope, receive, send) -> None:
        # A mount, not a route: litestar hands its mounted apps the path with a trailing
        # slash, which a route would answer with a redirect outside /admin/.
        name = SCRIPT_PATH.rsplit("/", 1)[1]
        path = scope["path"].rstrip("/") if scope["type"] == "http" else ""
        if path.endswith(name):
            response = Response(text, media_type="text/javascript")
        elif path.endswith(ROLE_NAME):
            response = JSONResponse({"role": await _role(scope)})
        else:
            response = PlainTextResponse("not found", status_code=404)
        await response(scope, receive, send)

    return serve


async def _role(scope) -> str | None:
    """The role of the session the request carries (the admin's cookie), or None."""
    cookie = Request(scope).cookies.get(STAFF_COOKIE)
    principal = await principal_from_session_cookie(cookie)
    return principal.role if principal else None


def add_ui_extras(admin_router, config: dict | None = None) -> None:
    """Serve the script from the admin itself and load it from the admin's page.
    ``config``: ``cases`` (table -> machine), ``editable`` (table -> fields),
    ``addable`` (tables whose rows may be added here)."""
    config = {"cases": {}, "editable": {}, "addable": [], **(config or {})}
    admin_router.mount(SCRIPT_PATH.rsplit("/", 1)[0], app=_extras(script(config)))
    tag = f'<script src=".{SCRIPT_PATH}" defer></script>'
    admin_router.template = admin_router.template.replace("</head>", f"  {tag}\n</head>", 1)
