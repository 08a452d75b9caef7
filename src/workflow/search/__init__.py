"""Finding a case by what staff know of it: an id, a name, an e-mail, a phone number,
an NPN, a Reference Number or an organisation."""
