// A chat bot's flow driven with the unmodified official Bitrix24 clients
// against chatemu. CHATEMU_URL is the emulator's https base URL; the
// emulator's CA must be trusted (NODE_EXTRA_CA_CERTS).
import assert from 'node:assert/strict'
import { B24Hook, B24OAuth, ParamsFactory } from '@bitrix24/b24jssdk'
import { Bitrix } from '@2bad/bitrix'

const base = process.env.CHATEMU_URL
if (!base) {
  console.error('set CHATEMU_URL to the emulator (https://127.0.0.1:PORT)')
  process.exit(2)
}
const CODE = 'ab515f5d85a8b844d484f6ea75a2e494'
const step = (msg) => console.log('ok  ' + msg)

async function control(path, init) {
  const r = await fetch(base + '/_emulator/bitrix24/portals/default' + path, init)
  assert.equal(r.status < 300, true, `${path}: ${r.status}`)
  return r.json()
}

// expectError runs fn and checks that it fails with a Bitrix24 error code.
async function expectError(fn, code, readCode) {
  try {
    await fn()
  } catch (e) {
    assert.equal(readCode(e), code)
    return
  }
  assert.fail(`expected ${code}`)
}

// b24jssdk, webhook mode: POST JSON to https://HOST/rest/1/abc/METHOD.
async function jssdkWebhook() {
  const b24 = new B24Hook({ b24Url: base, userId: 1, secret: 'abc' }, { restrictionParams: ParamsFactory.getRealtime() })
  b24.offClientSideWarning()
  const call = async (method, params) => (await b24.actions.v2.call.make({ method, params })).getData().result
  const bot = { CLIENT_ID: 'chatemu', BOT_ID: 39 }

  const chatId = await call('imbot.chat.add', { ...bot, TYPE: 'CHAT', TITLE: 'Support ü "q" &amp', USERS: [1, 2], COLOR: 'MINT', MESSAGE: 'Welcome', ENTITY_TYPE: 'JSSDK', ENTITY_ID: 'flow' })
  assert.equal(typeof chatId, 'number')
  step(`b24jssdk: imbot.chat.add -> chat ${chatId}`)
  assert.equal(await call('imbot.chat.user.add', { ...bot, CHAT_ID: chatId, USERS: [3, 4] }), true)
  assert.deepEqual(await call('imbot.chat.user.list', { ...bot, CHAT_ID: chatId }), [39, 1, 2, 3, 4])
  assert.equal(await call('imbot.chat.user.delete', { ...bot, CHAT_ID: chatId, USER_ID: 4 }), true)
  assert.deepEqual(await call('imbot.chat.user.list', { ...bot, CHAT_ID: chatId }), [39, 1, 2, 3])
  step('b24jssdk: members added, listed, removed')
  assert.equal(await call('imbot.chat.updateTitle', { ...bot, CHAT_ID: chatId, TITLE: 'Renamed by jssdk' }), true)
  assert.equal(await call('imbot.chat.setOwner', { ...bot, CHAT_ID: chatId, USER_ID: 2 }), true)
  const dialog = await call('imbot.dialog.get', { DIALOG_ID: `chat${chatId}` })
  assert.equal(dialog.name, 'Renamed by jssdk')
  assert.equal(dialog.owner, 2)
  assert.equal(dialog.color, '#4ba984')
  assert.deepEqual(await call('imbot.chat.get', { ENTITY_TYPE: 'JSSDK', ENTITY_ID: 'flow' }), { ID: chatId })
  step('b24jssdk: renamed, owner handed over, read back with imbot.dialog.get')
  await expectError(() => call('imbot.chat.updateTitle', { ...bot, CHAT_ID: chatId }), 'TITLE_EMPTY', (e) => e.code)
  step('b24jssdk: a 400 method error reaches the caller as AjaxError TITLE_EMPTY')

  assert.equal(await call('imopenlines.bot.session.transfer', { ...bot, CHAT_ID: 12, USER_ID: 12, LEAVE: 'N' }), true)
  const session = await control('/chats/12/session')
  assert.equal(session.status, 'transfer')
  assert.equal(session.operator_id, 12)
  step('b24jssdk: open-line session 12 transferred to operator 12')

  assert.equal(typeof (await call('imopenlines.network.join', { CODE })), 'number')
  assert.equal(await call('imopenlines.network.message.add', { CODE, USER_ID: 2, MESSAGE: 'News [b]for you[/b]', KEYBOARD: [{ TEXT: 'Open', LINK: 'https://example.com' }], URL_PREVIEW: 'N' }), true)
  await expectError(() => call('imopenlines.network.message.add', { CODE, USER_ID: 2, MESSAGE: 'again' }), 'USER_MESSAGE_LIMIT', (e) => e.code)
  step('b24jssdk: open-channel message sent; the second one in a week refused (USER_MESSAGE_LIMIT)')

  const batch = await b24.actions.v2.batch.make({
    calls: {
      chat: ['imbot.chat.add', { ...bot, TITLE: 'Batch chat', USERS: [1, 3] }],
      list: ['imbot.chat.user.list', { ...bot, CHAT_ID: '$result[chat]' }],
    },
    options: { isHaltOnError: true },
  })
  assert.equal(batch.isSuccess, true)
  const data = batch.getData()
  assert.deepEqual(data.list, [39, 1, 3])
  step(`b24jssdk: batch created chat ${data.chat} and listed it through $result[chat]`)
}

// b24jssdk, OAuth mode with a stale token: it refreshes at /oauth/token/,
// then calls /rest//METHOD with auth in the JSON body.
async function jssdkOAuth() {
  const b24 = new B24OAuth({
    applicationToken: '', userId: 1, memberId: 'a223c6b3710f85df22e9377d6c4f7553',
    accessToken: 'stale', refreshToken: 'test-refresh-token', expires: Math.floor(Date.now() / 1000) - 60, expiresIn: 3600,
    scope: 'imbot,imopenlines', domain: new URL(base).host, clientEndpoint: base + '/rest/', serverEndpoint: base + '/rest/', status: 'L',
  }, { clientId: 'chatemu', clientSecret: 'chatemu-secret' }, { restrictionParams: ParamsFactory.getRealtime() })
  b24.offClientSideWarning()
  const res = await b24.actions.v2.call.make({ method: 'imopenlines.revision.get' })
  assert.deepEqual(res.getData().result, { rest: 2, web: 1, mobile: 1 })
  step('b24jssdk OAuth: stale token refreshed at /oauth/token/, then /rest//imopenlines.revision.get')
}

// @2bad/bitrix: every call a GET with a PHP-bracket query string.
async function twoBad() {
  const bitrix = Bitrix(base + '/rest/1/abc')
  const call = async (method, params) => (await bitrix.call(method, params)).result
  const bot = { CLIENT_ID: 'chatemu' }
  const chatId = await call('imbot.chat.add', { ...bot, TYPE: 'OPEN', TITLE: '2bad chat', USERS: [1, 2], COLOR: 'PINK' })
  step(`@2bad/bitrix: imbot.chat.add -> chat ${chatId}`)
  assert.equal(await call('imbot.chat.user.add', { ...bot, CHAT_ID: chatId, USERS: [3] }), true)
  assert.deepEqual(await call('imbot.chat.user.list', { ...bot, CHAT_ID: chatId }), [39, 1, 2, 3])
  assert.equal(await call('imbot.chat.user.delete', { ...bot, CHAT_ID: chatId, USER_ID: 3 }), true)
  assert.equal(await call('imbot.chat.updateTitle', { ...bot, CHAT_ID: chatId, TITLE: 'Renamed by 2bad' }), true)
  assert.equal((await call('imbot.dialog.get', { DIALOG_ID: `chat${chatId}` })).name, 'Renamed by 2bad')
  step('@2bad/bitrix: members managed, chat renamed and read back')
  assert.equal(await call('imopenlines.bot.session.operator', { ...bot, CHAT_ID: 12 }).catch((e) => e.response.body.error), 'WRONG_CHAT')
  const started = await control('/sessions', { method: 'POST', body: JSON.stringify({ line_id: 1, client_id: 3, text: 'Hi' }) })
  assert.equal(await call('imopenlines.bot.session.transfer', { ...bot, CHAT_ID: started.chat_id, QUEUE_ID: 1, LEAVE: 'Y' }), true)
  assert.equal((await control(`/chats/${started.chat_id}/session`)).status, 'queue')
  step(`@2bad/bitrix: a new open-line dialog (chat ${started.chat_id}) transferred to queue 1; chat 12 no longer the bot's (WRONG_CHAT)`)
  assert.equal(await call('imopenlines.network.message.send', { CODE, USER_ID: 3, MESSAGE: 'Hello from the open channel', ATTACH: [{ MESSAGE: 'Hello [b]bold[/b]' }, { LINK: { NAME: 'Site', LINK: 'https://example.com' } }] }), true)
  await expectError(() => call('imopenlines.network.message.send', { CODE, USER_ID: 3, MESSAGE: 'again' }), 'USER_MESSAGE_LIMIT', (e) => e.response.body.error)
  step('@2bad/bitrix: open-channel message sent with the page\'s .send name; the second one refused')
  const batch = await bitrix.batch({
    chat: { method: 'imbot.chat.add', params: { ...bot, TITLE: '2bad batch', USERS: [2] } },
    list: { method: 'imbot.chat.user.list', params: { ...bot, CHAT_ID: '$result[chat]' } },
  })
  assert.deepEqual(batch.result.result.list, [39, 2])
  step(`@2bad/bitrix: batch over GET created chat ${batch.result.result.chat} and listed it`)
}

try {
  await jssdkWebhook()
  await jssdkOAuth()
  await twoBad()
  const calls = await (await fetch(base + '/_emulator/requests?vendor=bitrix24')).json()
  const failed = calls.requests.filter((r) => r.status >= 500)
  assert.deepEqual(failed, [])
  console.log(`PASS: ${calls.requests.length} Bitrix24 requests journaled, none failed with 5xx`)
} catch (e) {
  console.error('FAIL', e)
  process.exit(1)
}
