/*
 * browser-login.mjs: the demo's browser login, headless.  Chromium (via
 * puppeteer-core) opens the portal, follows "Log in with kalit" to kalitd's
 * login page, opens the key file with its password there, and saves a
 * screenshot of the logged-in portal.
 *
 *   node browser-login.mjs PORTAL-URL KEY-FILE PASSWORD-FILE OUT.png
 *
 * CHROMIUM names the browser (default /usr/bin/chromium).
 */

import { readFileSync } from "node:fs";
import puppeteer from "puppeteer-core";

const [portal, keyFile, passFile, out] = process.argv.slice(2);
if (out === undefined) {
	console.error("usage: node browser-login.mjs PORTAL-URL KEY-FILE " +
	    "PASSWORD-FILE OUT.png");
	process.exit(2);
}
const browser = await puppeteer.launch({
	executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
	headless: true,
	/* Root (as in CI and the demo's container) needs --no-sandbox. */
	args: process.getuid?.() === 0 ? ["--no-sandbox"] : []
});

try {
	const page = await browser.newPage();

	page.setDefaultTimeout(60000);
	await page.goto(portal + "/login?lang=en");
	await page.waitForSelector("body[data-ready]");
	await (await page.$("#file")).uploadFile(keyFile);
	await page.type("#password", readFileSync(passFile, "utf8")
	    .split("\n")[0]);
	await page.click("#submit");
	await page.waitForSelector("#welcome, #alert:not([hidden])");
	await page.screenshot({ path: out, fullPage: true });
	const refused = await page.$eval("#alert", (a) => a.dataset.code)
	    .catch(() => null);
	if (refused !== null)
		throw new Error("the login page refused: " + refused);
	console.log(await page.$eval("#welcome", (e) => e.textContent));
} finally {
	await browser.close();
}
