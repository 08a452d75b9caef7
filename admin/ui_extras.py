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

from starlette.responses import PlainTextResponse, Response

SCRIPT_PATH = "/extras/admin-extras.js"
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

  new MutationObserver(() => {
    relabel();
    enhance();
  }).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
})();
""".replace("__LABELS__", json.dumps(LABELS))


async def _extras(scope, receive, send) -> None:
    # A mount, not a route: litestar hands its mounted apps the path with a trailing
    # slash, which a route would answer with a redirect outside /admin/.
    name = SCRIPT_PATH.rsplit("/", 1)[1]
    if scope["type"] == "http" and scope["path"].rstrip("/").endswith(name):
        response = Response(SCRIPT, media_type="text/javascript")
    else:
        response = PlainTextResponse("not found", status_code=404)
    await response(scope, receive, send)


def add_ui_extras(admin_router) -> None:
    """Serve the script from the admin itself and load it from the admin's page."""
    admin_router.mount(SCRIPT_PATH.rsplit("/", 1)[0], app=_extras)
    tag = f'<script src=".{SCRIPT_PATH}" defer></script>'
    admin_router.template = admin_router.template.replace("</head>", f"  {tag}\n</head>", 1)
