"""Drop-downs in the admin's forms.

piccolo-admin 1.14 draws a custom form's fields with its ``NewForm`` component, which
(unlike the table editor) passes no ``choices`` to its inputs: every string field is a
text box, whatever the pydantic model says. This adds one small same-origin script to the
admin's page that, on a form page, turns each text box whose schema lists its values (a
``Literal``'s ``enum``, or ``extra.choices`` as piccolo's own models write them) into a
drop-down, and shows the chosen value's description underneath. The drop-down writes into
the original box, so the form submits exactly as before and still works without it.
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response

SCRIPT_PATH = "/extras/form-choices.js"

SCRIPT = r"""
(() => {
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

  new MutationObserver(enhance).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
})();
"""


async def _extras(scope, receive, send) -> None:
    # A mount, not a route: litestar hands its mounted apps the path with a trailing
    # slash, which a route would answer with a redirect outside /admin/.
    if scope["type"] == "http" and scope["path"].rstrip("/").endswith("/form-choices.js"):
        response = Response(SCRIPT, media_type="text/javascript")
    else:
        response = PlainTextResponse("not found", status_code=404)
    await response(scope, receive, send)


def add_form_choices(admin_router) -> None:
    """Serve the script from the admin itself and load it from the admin's page."""
    admin_router.mount(SCRIPT_PATH.rsplit("/", 1)[0], app=_extras)
    tag = f'<script src=".{SCRIPT_PATH}" defer></script>'
    admin_router.template = admin_router.template.replace("</head>", f"  {tag}\n</head>", 1)
