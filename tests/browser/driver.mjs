// Drives Debian's Chromium through playwright-core for tests/web_app_browser.rs.
// One JSON command per line on stdin, one JSON answer per line on stdout:
// {"ok": {...}} or {"error": "..."}. The test decides what to do and what
// to assert; this only performs browser actions and reports what the page shows.
import { chromium } from 'playwright-core';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

// No network here beyond loopback: keep Chromium's background connections off.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let context;
let page;
let userDataDir;
let lastStatus = null;

async function snapshot() {
  await page.waitForLoadState('load');
  return {
    url: page.url(),
    status: lastStatus,
    title: await page.title(),
    text: await page.innerText('body'),
  };
}

// The pids of the Chromium processes started with this profile.
function chromiumPids() {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline.includes(`--user-data-dir=${userDataDir}`)) pids.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return pids;
}

const commands = {
  async launch({ executable, profile }) {
    userDataDir = profile;
    context = await chromium.launchPersistentContext(profile, {
      executablePath: executable,
      headless: true,
      args: FLAGS,
      acceptDownloads: true,
      viewport: { width: 900, height: 760 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('response', (response) => {
      if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
        lastStatus = response.status();
      }
    });
    return { pids: chromiumPids().length };
  },
  async goto({ url }) {
    await page.goto(url);
    return snapshot();
  },
  async click({ selector }) {
    await page.click(selector);
    return snapshot();
  },
  async upload({ file, input, submit }) {
    await page.setInputFiles(input, file);
    await page.click(submit);
    return snapshot();
  },
  async download({ selector, saveAs }) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    const failure = await download.failure();
    if (failure === null) await download.saveAs(saveAs);
    return { failure, suggestedFilename: download.suggestedFilename() };
  },
  // Reads `url` with fetch() in the page: whether the whole body arrived.
  async fetch({ url }) {
    return page.evaluate(async (href) => {
      try {
        const response = await fetch(href);
        const body = await response.arrayBuffer();
        return { complete: true, status: response.status, length: body.byteLength };
      } catch (e) {
        return { complete: false, error: String(e) };
      }
    }, url);
  },
  async screenshot({ path }) {
    await page.screenshot({ path, fullPage: true });
    return { path };
  },
  async cookies() {
    return (await context.cookies()).map(({ name, domain, httpOnly, secure, sameSite }) => ({
      name,
      domain,
      httpOnly,
      secure,
      sameSite,
    }));
  },
  async clearCookies() {
    await context.clearCookies();
    return {};
  },
  // Ends Chromium the hard way, as a crash or a closed laptop would.
  async killBrowser() {
    const pids = chromiumPids();
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    return { killed: pids.length };
  },
  async close() {
    await context.close();
    return {};
  },
};

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  try {
    const { op, ...args } = JSON.parse(line);
    const command = commands[op];
    if (!command) throw new Error(`unknown command ${op}`);
    answer = { ok: await command(args) };
  } catch (e) {
    answer = { error: String(e?.stack ?? e) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
