/*
 * notice.js: kalitd's own pages (error.html, logout.html, loggedout.html,
 * templates kalitd fills): their texts in the language kalitd put in
 * <html lang>, the brand's over kalit's, and an error page's message by
 * its code.  Without the script the pages still say it in three languages.
 */

import { errorMessage, LANGS, mergeMessages } from "./loginlib.js";

async function getJson(path) {
	const res = await fetch(path, { credentials: "same-origin" });

	return res.ok ? res.json() : null;
}

async function start() {
	const lang = document.documentElement.lang;

	if (!LANGS.includes(lang))
		return;
	const [base, brand] = await Promise.all([
		getJson("/login/i18n/" + lang + ".json"),
		getJson("/login/brand/" + lang + ".json").catch(() => null)]);
	if (base === null)
		return;
	const m = mergeMessages(base, brand);

	for (const el of document.querySelectorAll("[data-text]"))
		if (m.text[el.dataset.text] !== undefined)
			el.textContent = m.text[el.dataset.text];
	const alert = document.getElementById("alert");
	if (alert !== null && Object.hasOwn(m.error, alert.dataset.code)) {
		const code = alert.querySelector(".code");

		alert.firstChild.textContent = errorMessage(m,
		    alert.dataset.code);
		code.textContent = m.text.error_code.replace("{code}",
		    alert.dataset.code);
	}
	document.body.dataset.ready = "true";
}

start().catch(() => {});
