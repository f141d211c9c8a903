#!/usr/bin/env node
// End-to-end: drives Debian's Chromium (no browser download) through the console of a running siyu.
//
//   SIYU_URL=http://127.0.0.1:18080 SIYU_ADMIN_USER=sysadmin1 SIYU_ADMIN_PASSWORD_FILE=/path/to/pw \
//     node e2e/console.e2e.mjs
//
// The bootstrap admin changes the password and enrols TOTP, builds two branches with a staff member each,
// makes one a branch manager and creates an auditor. The branch manager must be refused the other branch's
// person (404), the auditor reads and verifies the audit log, and the language switches to English and back.
// A head-office operator loads a customer with holdings through the API and sees the holdings table (the
// unsuitable one flagged) on the profile, records an SMS marketing refusal there, requests an export in clear, a security admin approves it, and the
// operator downloads it once (through the re-authentication dialog if the login is older than the server allows).
// A failing step leaves a screenshot under target/e2e/ of the repository.

import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import * as OTPAuth from 'otpauth'

const BASE = (process.env.SIYU_URL ?? 'http://127.0.0.1:18080').replace(/\/$/, '')
const ADMIN = process.env.SIYU_ADMIN_USER ?? 'sysadmin1'
const PW_FILE = process.env.SIYU_ADMIN_PASSWORD_FILE
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const SHOTS = fileURLToPath(new URL('../../target/e2e/', import.meta.url))
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 20000)

if (!PW_FILE) {
  console.error('SIYU_ADMIN_PASSWORD_FILE must name the file holding the bootstrap admin password')
  process.exit(2)
}
const ADMIN_PASSWORD = readFileSync(PW_FILE, 'utf8').trim()
const RUN = Date.now().toString(36).slice(-6).toUpperCase()
const strong = (who) => `Lantern-river-${RUN}-${who}!7q`

// ---------------------------------------------------------------------------------------------------------
// Steps: each one is named, timed and screenshotted on failure; the first failure stops the run.

const profiles = []
const contexts = []
let current = null
let passed = 0
let failed = 0

async function step(name, page, fn) {
  current = page
  const t0 = Date.now()
  try {
    await fn()
    passed++
    console.log(`ok   ${name} (${Date.now() - t0} ms)`)
  } catch (err) {
    failed++
    console.log(`FAIL ${name}: ${err?.message ?? err}`)
    if (current) {
      mkdirSync(SHOTS, { recursive: true })
      const file = join(SHOTS, `${String(passed + failed).padStart(2, '0')}-${name.replace(/[^a-zA-Z0-9]+/g, '-')}.png`)
      await current.screenshot({ path: file, fullPage: true }).catch(() => undefined)
      console.log(`     screenshot: ${file}`)
      console.log(`     at: ${current.url()}`)
    }
    throw err
  }
}

/** A browser of its own for one user: a fresh profile, so no cookie or storage leaks between users. */
async function openBrowser() {
  const dir = mkdtempSync(join(tmpdir(), 'siyu-e2e-'))
  profiles.push(dir)
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 768 },
    locale: 'zh-CN',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  contexts.push(ctx)
  ctx.setDefaultTimeout(TIMEOUT)
  const page = ctx.pages()[0] ?? (await ctx.newPage())
  // Nothing may be loaded from outside siyu.
  const origin = new URL(BASE).origin
  page.on('request', (req) => {
    const u = req.url()
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) {
      console.log(`     external request refused by the test: ${u}`)
      failed++
    }
  })
  page.on('pageerror', (e) => console.log(`     page error: ${e.message}`))
  return page
}

/** With E2E_SHOTS=1, keeps a picture of each screen under target/e2e/screens/ for review. */
async function snap(page, name) {
  if (!process.env.E2E_SHOTS) return
  mkdirSync(join(SHOTS, 'screens'), { recursive: true })
  await page.waitForTimeout(400)
  await page.screenshot({ path: join(SHOTS, 'screens', `${name}.png`) })
}

const tid = (id) => `[data-testid="${id}"]`
const pathOf = (page) => new URL(page.url()).pathname

function expect(cond, message) {
  if (!cond) throw new Error(message)
}

/** The code an authenticator would show now for `uri`, waiting out the last seconds of a period. */
async function totpCode(uri) {
  const totp = OTPAuth.URI.parse(uri)
  const left = totp.period - (Math.floor(Date.now() / 1000) % totp.period)
  if (left < 3) await new Promise((r) => setTimeout(r, (left + 1) * 1000))
  return totp.generate()
}

async function waitForStage(page) {
  await page.waitForFunction(
    () => ['/password-change', '/totp/enroll', '/totp'].includes(location.pathname) || !!document.querySelector('[data-testid="app-shell"]'),
  )
  return pathOf(page)
}

/** Logs in and walks every step the server asks for; answers the final password and the TOTP URI, if any. */
async function logIn(page, username, password, { newPassword, otpauthUri } = {}) {
  await page.goto(`${BASE}/login`)
  await page.fill(tid('login-username'), username)
  await page.fill(tid('login-password'), password)
  await page.click(tid('login-submit'))
  let uri = otpauthUri
  for (let i = 0; i < 4; i++) {
    const where = await waitForStage(page)
    if (where === '/password-change') {
      expect(newPassword, 'the server asks for a new password')
      await page.waitForSelector(tid('password-rules'))
      await snap(page, 'password-change')
      await page.fill(tid('pw-current'), password)
      await page.fill(tid('pw-new'), newPassword)
      await page.fill(tid('pw-repeat'), newPassword)
      await page.click(tid('pw-submit'))
      await page.waitForFunction(() => location.pathname !== '/password-change')
      password = newPassword
    } else if (where === '/totp/enroll') {
      await page.waitForSelector(tid('totp-qr'))
      uri = (await page.textContent(tid('totp-uri'))).trim()
      const secret = (await page.textContent(tid('totp-secret'))).trim()
      await snap(page, 'totp-enroll')
      expect(uri.startsWith('otpauth://totp/') && uri.includes(secret), `the URI carries the secret: ${uri}`)
      await page.fill(tid('totp-code'), await totpCode(uri))
      await page.click(tid('totp-submit'))
      await page.waitForFunction(() => location.pathname !== '/totp/enroll')
    } else if (where === '/totp') {
      expect(uri, 'a TOTP code is asked for but no secret is known')
      await page.fill(tid('totp-code'), await totpCode(uri))
      await page.click(tid('totp-submit'))
      await page.waitForFunction(() => location.pathname !== '/totp')
    } else {
      break
    }
  }
  await page.waitForSelector(tid('app-shell'))
  return { password, uri }
}

/** Creates a child unit of the selected one on the org screen and waits until it is selected. */
async function createUnit(page, code, name) {
  await page.click(tid('org-create-child'))
  await page.waitForSelector(`${tid('org-node-dialog')} ${tid('org-code')}`)
  await page.fill(tid('org-code'), code)
  await page.fill(`${tid('org-node-dialog')} ${tid('org-name')}`, name)
  await page.click(tid('org-node-save'))
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid="org-selected-name"]')?.textContent?.trim() === n,
    name,
  )
}

/** From the selected unit on the org screen: adds a person; answers their id and one-time password. */
async function addStaffHere(page, { employeeNo, name, username }) {
  await page.click(tid('org-add-staff'))
  await page.waitForSelector(`${tid('staff-create-dialog')} ${tid('staff-employee-no')}`)
  // The dialog focuses its first field once opened: wait for that, or a slow machine moves the focus mid-typing.
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'staff-employee-no')
  await page.fill(tid('staff-employee-no'), employeeNo)
  await page.fill(tid('staff-name'), name)
  if (username) await page.fill(tid('staff-username'), username)
  await page.click(tid('staff-create-save'))
  await page.waitForURL(/\/staff\/[0-9a-f-]{8,}/)
  const id = pathOf(page).split('/').pop()
  let initialPassword = null
  if (username) {
    await page.waitForSelector(tid('one-time-password'), { state: 'visible' })
    initialPassword = (await page.textContent(tid('one-time-password'))).trim()
    expect(initialPassword.length >= 12, 'a one-time password is shown')
    await page.click(tid('one-time-password-close'))
    await page.waitForSelector(tid('one-time-password'), { state: 'hidden' })
  }
  await page.waitForSelector(tid('staff-profile'))
  return { id, initialPassword }
}

/** Searches the customers screen by customer number (the default key is the name prefix). */
async function searchByCustomerNo(page, customerNo) {
  await page.click(tid('customer-search-key'))
  await page.click(`${tid('customer-search-key-customer_no')}:visible`)
  await page.fill(tid('customer-search-value'), customerNo)
  await page.click(tid('customer-search-submit'))
}

async function grantRole(page, role) {
  await page.click('#tab-roles')
  await page.waitForSelector(tid('sod-rule'), { state: 'visible' })
  await page.click(tid('grant-role-select'))
  await page.click(`${tid(`grant-option-${role}`)}:visible`)
  await page.click(tid('grant-role-submit'))
  await page.waitForSelector(tid(`held-role-${role}`))
  await snap(page, `staff-roles-${role}`)
}

async function closeDrawer(page) {
  if (await page.isVisible(tid('staff-drawer'))) {
    await page.keyboard.press('Escape')
    await page.waitForSelector(tid('staff-drawer'), { state: 'hidden' })
  }
}

async function gotoOrgRoot(page) {
  await closeDrawer(page)
  await page.click(tid('nav-org'))
  await page.waitForSelector(tid('org-selected-name'))
  // The root of the admin's scope is selected when the screen opens.
}

/** Calls the API from the page, in the user's session (cookie) with the CSRF token /me gives. */
async function api(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const me = await (await fetch('/api/v1/me', { credentials: 'same-origin' })).json()
      const res = await fetch(`/api/v1${path}`, {
        method,
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': me.csrf_token ?? '' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await res.text()
      return { status: res.status, body: text ? JSON.parse(text) : null }
    },
    { method, path, body },
  )
}

/** A date `months` from today, `YYYY-MM-15`. */
function monthsAhead(months) {
  const d = new Date()
  d.setDate(15)
  d.setMonth(d.getMonth() + months)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-15`
}

// ---------------------------------------------------------------------------------------------------------

const people = {}
let exitCode = 0
try {
  const admin = await openBrowser()
  let adminAuth

  await step('the console is served by siyu and sends an anonymous visitor to login', admin, async () => {
    const res = await admin.goto(`${BASE}/staff`)
    expect(res && res.ok(), `GET /staff answered ${res?.status()}`)
    await admin.waitForSelector(tid('login-card'))
    expect(pathOf(admin) === '/login', `at ${admin.url()}`)
    await snap(admin, 'login')
  })

  await step('a wrong password is refused with a message', admin, async () => {
    await admin.fill(tid('login-username'), ADMIN)
    await admin.fill(tid('login-password'), 'not-the-password-1A!')
    await admin.click(tid('login-submit'))
    await admin.waitForSelector(`${tid('login-error')}, ${tid('login-locked')}`)
  })

  await step('bootstrap admin logs in, changes the password and enrols TOTP', admin, async () => {
    adminAuth = await logIn(admin, ADMIN, ADMIN_PASSWORD, { newPassword: strong('admin') })
    expect(await admin.isVisible(tid('nav-org')), 'the admin sees the org screen in the menu')
    expect(!(await admin.isVisible(tid('nav-audit'))), 'the admin does not see the audit log')
  })

  await step('admin creates branch A with a staff member who can log in', admin, async () => {
    await gotoOrgRoot(admin)
    await createUnit(admin, `E2E-A-${RUN}`, `华东分行${RUN}`)
    people.bm = { username: `e2e.bm.${RUN}`.toLowerCase() }
    Object.assign(people.bm, await addStaffHere(admin, { employeeNo: `A${RUN}`, name: `张经理${RUN}`, username: people.bm.username }))
  })

  await step('admin grants branch_manager', admin, async () => {
    await grantRole(admin, 'branch_manager')
  })

  await step('admin creates branch B with a staff member', admin, async () => {
    await gotoOrgRoot(admin)
    await createUnit(admin, `E2E-B-${RUN}`, `华南分行${RUN}`)
    people.other = await addStaffHere(admin, { employeeNo: `B${RUN}`, name: `李员工${RUN}` })
  })

  await step('admin creates an auditor and grants auditor', admin, async () => {
    await gotoOrgRoot(admin)
    people.aud = { username: `e2e.aud.${RUN}`.toLowerCase() }
    Object.assign(people.aud, await addStaffHere(admin, { employeeNo: `C${RUN}`, name: `王审计${RUN}`, username: people.aud.username }))
    await grantRole(admin, 'auditor')
  })

  await step("a second admin duty is refused with the server's separation-of-duties message", admin, async () => {
    await admin.click(tid('grant-role-select'))
    await admin.click(`${tid('grant-option-security_admin')}:visible`)
    await admin.click(tid('grant-role-submit'))
    await admin.waitForSelector(tid('sod-refusal'))
    const text = (await admin.textContent(tid('sod-refusal'))).trim()
    expect(text.length > 0, 'the refusal carries the server message')
    expect(!(await admin.isVisible(tid('held-role-security_admin'))), 'the role was not granted')
    await snap(admin, 'sod-refusal')
  })

  await step('admin creates an API token, sees it once and revokes it', admin, async () => {
    await closeDrawer(admin)
    await admin.click(tid('nav-tokens'))
    await admin.click(tid('token-create'))
    await admin.fill(tid('token-name'), `e2e-${RUN}`)
    await admin.click(tid('token-create-save'))
    await admin.waitForSelector(tid('token-value'), { state: 'visible' })
    expect((await admin.textContent(tid('token-value'))).trim().length >= 20, 'a token is shown')
    await admin.click(tid('token-value-close'))
    await admin.click(tid(`token-revoke-e2e-${RUN}`))
    await admin.click('.siyu-confirm .el-button--danger')
    await admin.waitForSelector(tid(`token-revoke-e2e-${RUN}`), { state: 'detached' })
  })

  await step('the staff list pages and searches on the server', admin, async () => {
    await closeDrawer(admin)
    await admin.click(tid('nav-staff'))
    await admin.fill(tid('staff-search'), RUN)
    await admin.click(tid('staff-search-submit'))
    await admin.waitForSelector(tid(`staff-row-A${RUN}`))
    await admin.waitForSelector(tid(`staff-row-B${RUN}`))
    await snap(admin, 'staff-list')
    await admin.click(tid('nav-org'))
    await snap(admin, 'org')
    await admin.click(tid('nav-system'))
    await admin.waitForSelector(tid('system-status'))
    await snap(admin, 'system')
  })

  const bm = await openBrowser()
  await step('the branch manager logs in and changes the password', bm, async () => {
    await logIn(bm, people.bm.username, people.bm.initialPassword, { newPassword: strong('bm') })
    expect(await bm.isVisible(tid('nav-staff')), 'the branch manager sees staff')
    expect(!(await bm.isVisible(tid('nav-system'))), 'the branch manager does not see system status')
  })

  await step("the branch manager is refused the other branch's staff member", bm, async () => {
    await bm.goto(`${BASE}/staff/${people.other.id}`)
    await bm.waitForSelector(tid('staff-not-found'))
    await bm.waitForSelector('.el-message--error')
    await snap(bm, 'staff-not-found')
    await bm.goto(`${BASE}/staff/${people.bm.id}`)
    await bm.waitForSelector(tid('staff-profile'))
  })

  const aud = await openBrowser()
  await step('the auditor logs in, changes the password and enrols TOTP', aud, async () => {
    await logIn(aud, people.aud.username, people.aud.initialPassword, { newPassword: strong('aud') })
    expect(pathOf(aud) === '/audit', `the auditor lands on the audit log, not ${aud.url()}`)
  })

  await step('the auditor reads the audit log and a record with its hashes', aud, async () => {
    await aud.waitForSelector(`${tid('audit-table')} .el-table__row`)
    await aud.waitForSelector(`${tid('audit-chart')} canvas`)
    await aud.click(`${tid('audit-table')} .el-table__row >> nth=0`)
    await aud.waitForFunction(() => /^[0-9a-f]{64}$/i.test(document.querySelector('[data-testid="audit-hash"]')?.textContent?.trim() ?? ''))
    await snap(aud, 'audit-detail')
    await aud.keyboard.press('Escape')
  })

  await step('the auditor verifies the chain', aud, async () => {
    await aud.click(tid('audit-verify'))
    await aud.waitForSelector(`${tid('audit-verify-ok')}, ${tid('audit-verify-broken')}`)
    expect(await aud.isVisible(tid('audit-verify-ok')), await aud.textContent('.el-alert'))
    await snap(aud, 'audit')
  })

  await step('the auditor is refused the staff screen', aud, async () => {
    await aud.goto(`${BASE}/staff`)
    await aud.waitForSelector(tid('status-forbidden'))
  })

  await step('the language switches to English, survives a reload, and switches back', aud, async () => {
    await aud.click(tid('nav-audit'))
    const label = () => aud.textContent(tid('nav-audit'))
    expect((await label()).includes('审计日志'), 'Chinese first')
    await aud.click(tid('lang-en'))
    await aud.waitForFunction(() => document.querySelector('[data-testid="nav-audit"]')?.textContent?.includes('Audit log'))
    await aud.reload()
    await aud.waitForSelector(tid('app-shell'))
    expect((await label()).includes('Audit log'), 'English after reload')
    await snap(aud, 'audit-en')
    await aud.click(tid('lang-zh'))
    await aud.waitForFunction(() => document.querySelector('[data-testid="nav-audit"]')?.textContent?.includes('审计日志'))
  })

  await step('admin creates a head-office operator and a security admin', admin, async () => {
    await gotoOrgRoot(admin)
    people.op = { username: `e2e.op.${RUN}`.toLowerCase() }
    Object.assign(people.op, await addStaffHere(admin, { employeeNo: `D${RUN}`, name: `赵运营${RUN}`, username: people.op.username }))
    await grantRole(admin, 'head_office_operator')
    await gotoOrgRoot(admin)
    people.sec = { username: `e2e.sec.${RUN}`.toLowerCase() }
    Object.assign(people.sec, await addStaffHere(admin, { employeeNo: `E${RUN}`, name: `钱安全${RUN}`, username: people.sec.username }))
    await grantRole(admin, 'security_admin')
    await closeDrawer(admin)
  })

  const op = await openBrowser()
  const customerNo = `E2E${RUN}01`
  await step('the operator logs in, enrols TOTP and loads a customer with holdings through the API', op, async () => {
    Object.assign(people.op, await logIn(op, people.op.username, people.op.initialPassword, { newPassword: strong('op') }))
    expect(await op.isVisible(tid('nav-exports')), 'the operator sees exports')
    expect(!(await op.isVisible(tid('nav-approvals'))), 'the operator does not see approvals')
    const c = await api(op, 'POST', '/customers/batch', {
      items: [{ customer_no: customerNo, name: `陈客户${RUN}`, gender: 'female', risk_level: 'C2', outlet_code: `E2E-A-${RUN}` }],
    })
    expect(c.status === 200 && c.body.results[0].status === 'created', `customer: ${JSON.stringify(c)}`)
    const h = await api(op, 'POST', '/holdings/batch', {
      items: [
        { customer_no: customerNo, product_code: `WM${RUN}`, product_name: '稳健理财E2E', product_type: 'wealth_management', product_risk: 'R2', amount_fen: 12000000, maturity_date: monthsAhead(2) },
        { customer_no: customerNo, product_code: `FD${RUN}`, product_name: '成长基金E2E', product_type: 'fund', product_risk: 'R5', amount_fen: 3000000, next_open_date: monthsAhead(1), nav: '1.0520', nav_date: new Date().toISOString().slice(0, 10) },
      ],
    })
    expect(h.status === 200 && h.body.results.every((r) => r.status === 'created'), `holdings: ${JSON.stringify(h)}`)
  })

  await step('the customer profile shows the holdings table, the unsuitable one flagged, and the maturity calendar', op, async () => {
    await op.click(tid('nav-customers'))
    await searchByCustomerNo(op, customerNo)
    await op.click(`${tid('customers-table')} .el-table__row >> nth=0`)
    await op.waitForSelector(`${tid('holdings-table')} ${tid(`holding-WM${RUN}`)}`)
    await op.waitForSelector(tid(`holding-unsuitable-FD${RUN}`))
    expect(!(await op.isVisible(tid(`holding-unsuitable-WM${RUN}`))), 'an R2 product suits a C2 customer')
    const table = await op.textContent(tid('holdings-table'))
    expect(!table.includes('120000') && !table.includes('120,000'), 'no amount, only bands')
    await op.waitForSelector(`${tid('maturity-calendar')} canvas`)
    await op.waitForSelector(tid('customer-events'))
    await snap(op, 'customer-360')
    await op.locator(tid('maturity-calendar')).scrollIntoViewIfNeeded()
    await snap(op, 'customer-360-calendar')
    await op.keyboard.press('Escape')
    await op.waitForSelector(tid('customer-drawer'), { state: 'hidden' })
  })

  await step('the operator records an SMS marketing refusal on the customer and sees it shown', op, async () => {
    await op.click(tid('nav-customers'))
    await searchByCustomerNo(op, customerNo)
    await op.click(`${tid('customers-table')} .el-table__row >> nth=0`)
    await op.waitForSelector(`${tid('consent-status-sms')}[data-allowed="true"]`)
    await op.locator(tid('consent-form')).scrollIntoViewIfNeeded()
    // Nothing chosen: the form names what is missing and sends nothing.
    await op.click(tid('consent-submit'))
    await op.waitForSelector(tid('consent-error-noChannels'))
    await op.click(tid('consent-channel-sms'))
    await op.click(tid('consent-source-option-customer'))
    const reason = `客户来电要求不再发送营销短信 ${RUN}`
    await op.fill(tid('consent-reason'), reason)
    await op.click(tid('consent-submit'))
    await op.waitForSelector(`${tid('consent-status-sms')}[data-allowed="false"]`)
    expect((await op.textContent(tid('consent-status-sms'))).trim() === '已拒绝', 'SMS shows refused')
    expect((await op.textContent(tid('consent-reason-sms'))).includes(reason), 'the reason is shown')
    expect((await op.textContent(tid('consent-source-sms'))).includes('客户本人'), 'the source is shown')
    expect((await op.getAttribute(tid('consent-status-wecom'), 'data-allowed')) === 'true', 'other channels stay allowed')
    const found = await api(op, 'POST', '/customers/search', { customer_no: customerNo })
    const c = await api(op, 'GET', `/customers/${encodeURIComponent(found.body.items[0].id)}/consent`)
    const sms = c.body.items.find((i) => i.channel === 'sms')
    expect(sms && sms.marketing_allowed === false && sms.source === 'customer', `the server: ${JSON.stringify(c)}`)
    await op.locator(tid('customer-consent')).scrollIntoViewIfNeeded()
    await snap(op, 'customer-consent')
    await op.keyboard.press('Escape')
    await op.waitForSelector(tid('customer-drawer'), { state: 'hidden' })
  })

  await step('the operator requests an export in clear, which waits for approval', op, async () => {
    await op.click(tid('nav-exports'))
    await op.click(tid('export-new'))
    await op.waitForSelector(tid('export-request-dialog'))
    await op.click(`${tid('export-masked-no')}`)
    await op.waitForSelector(tid('export-needs-approval'))
    await op.fill(tid('export-reason'), `季度监管报送核对客户名单 ${RUN}`)
    await snap(op, 'export-request')
    await op.click(tid('export-submit'))
    await op.waitForSelector(tid('export-request-dialog'), { state: 'hidden' })
    const mine = await api(op, 'GET', '/exports')
    const req = mine.body.items.find((e) => !e.masked && e.reason.includes(RUN))
    expect(req && req.status === 'pending_approval', `the request: ${JSON.stringify(req)}`)
    people.exportId = req.id
    await op.waitForSelector(tid(`export-status-${req.id}`))
    expect(!(await op.isVisible(tid(`export-download-${req.id}`))), 'nothing to download before approval')
  })

  const sec = await openBrowser()
  await step('the security admin logs in, enrols TOTP and approves the export', sec, async () => {
    await logIn(sec, people.sec.username, people.sec.initialPassword, { newPassword: strong('sec') })
    await sec.click(tid('nav-approvals'))
    await sec.waitForSelector(tid(`approval-reason-${people.exportId}`))
    const requester = (await sec.textContent(tid(`approval-requester-${people.exportId}`))).trim()
    expect(requester.includes(`赵运营${RUN}`), `the requester is named: ${requester}`)
    await snap(sec, 'approvals')
    await sec.click(tid(`approval-approve-${people.exportId}`))
    await sec.fill(tid('approval-note'), '已核对范围与原因，同意')
    await sec.click(tid('approval-confirm'))
    await sec.waitForSelector(tid(`approval-approve-${people.exportId}`), { state: 'detached' })
  })

  await step('the operator downloads the approved export once', op, async () => {
    await op.click(tid('nav-customers'))
    await op.click(tid('nav-exports'))
    const button = tid(`export-download-${people.exportId}`)
    await op.waitForSelector(button)
    const download = op.waitForEvent('download')
    await op.click(button)
    // A login older than the server's re-authentication window brings the dialog first.
    const first = await Promise.race([
      download.then(() => 'download'),
      op.waitForSelector(tid('reauth-dialog'), { state: 'visible' }).then(() => 'reauth'),
    ])
    if (first === 'reauth') {
      await op.fill(tid('reauth-password'), people.op.password)
      await op.fill(tid('reauth-code'), await totpCode(people.op.uri))
      await op.click(tid('reauth-submit'))
    }
    const file = await download
    expect(file.suggestedFilename().endsWith('.csv'), `a CSV: ${file.suggestedFilename()}`)
    const text = await readFile(await file.path(), 'utf8')
    expect(text.includes(customerNo), 'the customer is in the file')
    await op.waitForSelector(button, { state: 'detached' })
    await snap(op, 'exports')
  })

  await step('the admin logs out everywhere', admin, async () => {
    await admin.click(tid('user-menu'))
    await admin.click(tid('menu-logout-all'))
    await admin.click('.siyu-confirm .el-button--danger')
    await admin.waitForSelector(tid('login-card'))
    expect(adminAuth.uri, 'the admin had enrolled TOTP')
  })
} catch {
  exitCode = 1
} finally {
  for (const c of contexts) await c.close().catch(() => undefined)
  for (const d of profiles) rmSync(d, { recursive: true, force: true })
}
if (failed) exitCode = 1
console.log(`${passed} passed, ${failed} failed`)
process.exit(exitCode)
