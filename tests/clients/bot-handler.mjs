// A chat bot's event handler written with the unmodified official
// @bitrix24/b24jssdk, against chatemu: the bot is registered with
// imbot.register (OAuth, the default fixture's application), a person
// writes to it through the control plane, chatemu POSTs ONIMBOTMESSAGEADD
// to the handler below, and the handler answers with imbot.message.add
// through the client_endpoint and access token the event carries. The reply
// must then be in the dialog's message list.
// CHATEMU_URL is the emulator's https base URL; its CA must be trusted
// (NODE_EXTRA_CA_CERTS).
import assert from 'node:assert/strict'
import http from 'node:http'
import { B24OAuth, ParamsFactory } from '@bitrix24/b24jssdk'

const base = process.env.CHATEMU_URL
if (!base) {
  console.error('set CHATEMU_URL to the emulator (https://127.0.0.1:PORT)')
  process.exit(2)
}
const step = (msg) => console.log('ok  ' + msg)

// parseForm reads a PHP http_build_query body into nested objects, as PHP's
// parse_str does: data[PARAMS][MESSAGE]=x -> {data: {PARAMS: {MESSAGE: 'x'}}}.
function parseForm(body) {
  const out = {}
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[')
    let node = out
    path.forEach((seg, i) => {
      if (i === path.length - 1) node[seg] = value
      else node = node[seg] ??= {}
    })
  }
  return out
}

function oauth(auth) {
  const b24 = new B24OAuth({
    applicationToken: auth.application_token ?? '', userId: Number(auth.user_id ?? 0), memberId: auth.member_id,
    accessToken: auth.access_token, refreshToken: auth.refresh_token ?? '',
    expires: Number(auth.expires ?? Math.floor(Date.now() / 1000) + 3600), expiresIn: Number(auth.expires_in ?? 3600),
    scope: auth.scope ?? 'imbot', domain: auth.domain, clientEndpoint: auth.client_endpoint,
    serverEndpoint: auth.server_endpoint, status: auth.status ?? 'L',
  }, { clientId: 'chatemu', clientSecret: 'chatemu-secret' }, { restrictionParams: ParamsFactory.getRealtime() })
  b24.offClientSideWarning()
  return b24
}

const events = []
const handler = http.createServer((req, res) => {
  let body = ''
  req.on('data', (c) => { body += c })
  req.on('end', async () => {
    const ev = parseForm(body)
    events.push({ ev, headers: req.headers })
    res.end('ok')
    if (ev.event !== 'ONIMBOTMESSAGEADD') return
    try {
      // The bot answers as real bots do: through the portal address and the
      // token the event brought.
      const b24 = oauth(ev.auth)
      const botId = Object.keys(ev.data.BOT)[0]
      await b24.actions.v2.call.make({
        method: 'imbot.message.add',
        params: { BOT_ID: botId, DIALOG_ID: ev.data.PARAMS.DIALOG_ID, MESSAGE: 'echo: ' + ev.data.PARAMS.MESSAGE },
      })
    } catch (e) {
      console.error('the handler could not answer:', e)
    }
  })
})

async function until(what, fn) {
  for (let i = 0; i < 200; i++) {
    const v = await fn()
    if (v) return v
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('timed out waiting for ' + what)
}

try {
  await new Promise((r) => handler.listen(0, '127.0.0.1', r))
  const handlerURL = `http://127.0.0.1:${handler.address().port}/bot`
  const app = oauth({
    access_token: 'test-access-token', refresh_token: 'test-refresh-token', member_id: 'a223c6b3710f85df22e9377d6c4f7553',
    domain: new URL(base).host, client_endpoint: base + '/rest/', server_endpoint: base + '/rest/', user_id: 1,
  })
  const botId = (await app.actions.v2.call.make({
    method: 'imbot.register',
    params: { CODE: 'echo_bot', TYPE: 'B', EVENT_HANDLER: handlerURL, PROPERTIES: { NAME: 'Echo' } },
  })).getData().result
  assert.ok(Number(botId) > 0, 'imbot.register returned ' + botId)
  step(`b24jssdk OAuth: imbot.register answered bot ${botId}`)

  const write = await fetch(`${base}/_emulator/bitrix24/portals/default/dialogs/${botId}/messages`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ from: 1, text: 'hello' }),
  })
  assert.equal(write.status, 201, await write.text())
  const add = await until('ONIMBOTMESSAGEADD', () => events.find((e) => e.ev.event === 'ONIMBOTMESSAGEADD'))
  assert.equal(add.headers['user-agent'], 'Bitrix24 Webhook Engine')
  assert.equal(add.headers['content-type'], 'application/x-www-form-urlencoded')
  assert.equal(add.ev.data.PARAMS.MESSAGE, 'hello')
  assert.equal(add.ev.data.PARAMS.DIALOG_ID, '1')
  assert.equal(add.ev.data.PARAMS.FROM_USER_ID, '1')
  assert.ok(add.ev.data.BOT[botId], 'data[BOT][' + botId + '] is missing')
  assert.equal(add.ev.auth.client_endpoint, base + '/rest/')
  step('the handler received ONIMBOTMESSAGEADD for user 1\'s "hello"')

  const reply = await until('the reply in the dialog', async () => {
    const r = await fetch(`${base}/_emulator/bitrix24/portals/default/dialogs/${botId}/messages?from=1`)
    const { messages } = await r.json()
    return messages.find((m) => String(m.text ?? m.message ?? '').includes('echo: hello'))
  })
  assert.ok(reply)
  step('b24jssdk answered through client_endpoint with imbot.message.add; the reply is in the dialog')
  assert.equal(events.filter((e) => e.ev.event === 'ONIMBOTMESSAGEADD').length, 1, 'the bot\'s own reply must not echo back as an event')
  step('the bot\'s own message raised no event')
  console.log('PASS')
  handler.close()
} catch (e) {
  console.error('FAIL', e)
  handler.close()
  process.exit(1)
}
