"""The find-help pages' words in English and Spanish.

A stop-gap until the service's gettext catalogues exist: every text the pages show is
here, once per language, so converting them is moving each pair into the catalogue (the
keys name where each text appears)."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("en", "es")

WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "title": "Find local help",
        "intro": "Free, certified help to apply for health coverage: navigators and "
        "certified application counselors, and licensed agents and brokers.",
        "switch": "En español",
        "zip": "ZIP code",
        "or_state": "or state (two letters)",
        "radius": "Within (miles)",
        "language": "Language spoken",
        "any_language": "Any language",
        "kind": "Kind of help",
        "any_kind": "Any kind",
        "accepting": "Only those taking new clients",
        "search": "Search",
        "results": "{total} found",
        "results_near": "{total} within {radius} miles of {zip} ({city}, {state}), nearest first",
        "results_state": "{total} in {state}, by name",
        "none": "Nobody matches. Try a larger distance, another language or kind, or ask "
        "for help below and a broker will call you.",
        "miles": "{miles} miles away",
        "phone": "Phone",
        "address": "Address",
        "speaks": "Speaks",
        "not_accepting": "Not taking new clients now",
        "organization": "Organization",
        "independent": "Independent",
        "ask_assister": "Ask {name} to help me",
        "sign_in_to_ask": "Sign in to ask one of them to help you",
        "previous": "Previous page",
        "next": "Next page",
        "page": "Page {page} of {pages}",
        "hod_title": "Ask for help now",
        "hod_intro": "Leave your details and a licensed agent or broker near you will "
        "contact you, usually within the hour.",
        "name": "Your name",
        "hod_zip": "Your ZIP code",
        "hod_language": "Your language",
        "your_phone": "Phone",
        "email": "E-mail",
        "consent": "I agree that my name and contact details are shared with a broker "
        "so they can contact me.",
        "send": "Ask for help",
        "hod_offered": "Thank you. A broker near you has your request and will contact you "
        "soon. If they cannot, another broker will.",
        "hod_unmatched": "Thank you. No broker is free right now; our staff have your "
        "request and will contact you.",
        "navigator": "Navigator",
        "cac": "Certified application counselor",
        "broker": "Agent or broker",
        "lang_en": "English",
        "lang_es": "Spanish",
    },
    "es": {
        "title": "Encuentre ayuda local",
        "intro": "Ayuda certificada y gratuita para solicitar cobertura de salud: navegadores "
        "y consejeros certificados de solicitudes, y agentes y corredores autorizados.",
        "switch": "In English",
        "zip": "Código postal",
        "or_state": "o estado (dos letras)",
        "radius": "A no más de (millas)",
        "language": "Idioma que habla",
        "any_language": "Cualquier idioma",
        "kind": "Tipo de ayuda",
        "any_kind": "Cualquier tipo",
        "accepting": "Solo quienes aceptan clientes nuevos",
        "search": "Buscar",
        "results": "{total} encontrados",
        "results_near": "{total} a menos de {radius} millas de {zip} ({city}, {state}), "
        "los más cercanos primero",
        "results_state": "{total} en {state}, por nombre",
        "none": "Nadie coincide. Pruebe una distancia mayor, otro idioma u otro tipo, o pida "
        "ayuda abajo y un agente le llamará.",
        "miles": "a {miles} millas",
        "phone": "Teléfono",
        "address": "Dirección",
        "speaks": "Habla",
        "not_accepting": "No acepta clientes nuevos por ahora",
        "organization": "Organización",
        "independent": "Independiente",
        "ask_assister": "Pedir a {name} que me ayude",
        "sign_in_to_ask": "Inicie sesión para pedir a una de estas personas que le ayude",
        "previous": "Página anterior",
        "next": "Página siguiente",
        "page": "Página {page} de {pages}",
        "hod_title": "Pida ayuda ahora",
        "hod_intro": "Deje sus datos y un agente o corredor autorizado cerca de usted se "
        "comunicará con usted, por lo general en menos de una hora.",
        "name": "Su nombre",
        "hod_zip": "Su código postal",
        "hod_language": "Su idioma",
        "your_phone": "Teléfono",
        "email": "Correo electrónico",
        "consent": "Acepto que se compartan mi nombre y mis datos de contacto con un agente "
        "para que se comunique conmigo.",
        "send": "Pedir ayuda",
        "hod_offered": "Gracias. Un agente cerca de usted tiene su pedido y se comunicará "
        "pronto. Si no puede, lo hará otro agente.",
        "hod_unmatched": "Gracias. Ningún agente está disponible ahora; nuestro personal "
        "tiene su pedido y se comunicará con usted.",
        "navigator": "Navegador",
        "cac": "Consejero certificado de solicitudes",
        "broker": "Agente o corredor",
        "lang_en": "inglés",
        "lang_es": "español",
    },
}


def language_of(asked: str | None, accept_language: str | None) -> str:
    """``lang=es`` wins; else the browser's first choice if it is Spanish; else English."""
    if asked in LANGUAGES:
        return asked
    first = (accept_language or "").split(",")[0].strip().lower()
    return "es" if first.startswith("es") else "en"
