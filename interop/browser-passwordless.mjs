// The passwordless example's page in headless Chromium, as a person uses it: sign in with
// an email code (read from the development sender's outbox file), reload (still signed
// in), sign out (signed out), then wrong codes until the limit answers with its message.
//
// Started by examples/passwordless/tests/browser.rs with BASE_URL (the running example),
// DEV_OUTBOX (the file its development sender appends to), CHROMIUM (the browser to drive)
// and SCREENSHOT (where a failure's screenshot goes). Every wait has a time limit.
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const { BASE_URL, DEV_OUTBOX, CHROMIUM, SCREENSHOT } = process.env;
for (const [name, value] of Object.entries({ BASE_URL, DEV_OUTBOX, CHROMIUM, SCREENSHOT })) {
  if (!value) { console.error(`${name} is not set`); process.exit(2); }
}
const WAIT = 10_000;
const email = `browser-${Date.now()}@example.com`;

function outboxCodes() {
  let text = "";
  try { text = readFileSync(DEV_OUTBOX, "utf8"); } catch { /* not written yet */ }
  return text.split("\n").filter((l) => l.startsWith("code:")).map((l) => l.slice(5).trim());
}

// Waits for the development sender's next code (the outbox had `before` of them).
async function nextCode(before) {
  const until = Date.now() + WAIT;
  for (;;) {
    const codes = outboxCodes();
    if (codes.length > before) return codes[codes.length - 1];
    if (Date.now() > until) throw new Error(`no new code in ${DEV_OUTBOX} within ${WAIT} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function check(condition, what) {
  if (!condition) throw new Error(what);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  timeout: 30_000,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const page = await browser.newPage();
page.setDefaultTimeout(WAIT);
page.setDefaultNavigationTimeout(WAIT);
let step = "loading the page";
try {
  await page.goto(BASE_URL);
  await page.waitForSelector('body[data-state="signed-out"]');

  step = "sending a code";
  let before = outboxCodes().length;
  await page.fill("#to", email);
  await page.click("#send-code");
  await page.waitForSelector("#code-form:not([hidden])");
  const code = await nextCode(before);

  step = "signing in with the code";
  await page.fill("#code", code);
  await page.click("#verify");
  await page.waitForSelector('body[data-state="signed-in"]');
  check((await page.textContent("#who")) === email, `signed in as ${await page.textContent("#who")}, not ${email}`);

  step = "reloading (still signed in)";
  await page.reload();
  await page.waitForSelector('body[data-state="signed-in"]');
  check((await page.textContent("#who")) === email, "not the same user after a reload");

  step = "signing out";
  await page.click("#sign-out");
  await page.waitForSelector('body[data-state="signed-out"]');
  await page.reload();
  await page.waitForSelector('body[data-state="signed-out"]');

  step = "wrong codes until the limit";
  before = outboxCodes().length;
  await page.fill("#to", email);
  await page.click("#send-code");
  await page.waitForSelector("#code-form:not([hidden])");
  const sent = await nextCode(before);
  const wrong = sent === "000000" ? "111111" : "000000";
  let limited = null;
  for (let attempt = 1; attempt <= 8 && !limited; attempt++) {
    await page.evaluate(() => { const e = document.getElementById("error"); e.textContent = ""; e.dataset.status = ""; });
    await page.fill("#code", wrong);
    await page.click("#verify");
    await page.waitForSelector('#error:not([data-status=""])');
    const status = await page.getAttribute("#error", "data-status");
    const message = (await page.textContent("#error")).trim();
    check(message.length > 0, `attempt ${attempt}: an error without a message`);
    if (status === "429") limited = { attempt, message };
    else check(status === "400", `attempt ${attempt}: status ${status}: ${message}`);
  }
  check(limited, "no 429 after 8 wrong codes");
  check(/try again in \d+ s/i.test(limited.message), `the 429 message says when to retry: ${limited.message}`);
  check((await page.getAttribute("body", "data-state")) === "signed-out", "a wrong code signed someone in");
  console.log(`ok: signed in, reloaded, signed out; wrong code ${limited.attempt} answered: ${limited.message}`);
} catch (err) {
  let saved = "";
  try { await page.screenshot({ path: SCREENSHOT, fullPage: true, timeout: WAIT }); saved = ` (screenshot: ${SCREENSHOT})`; } catch { /* none */ }
  console.error(`failed while ${step}: ${err.message}${saved}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
