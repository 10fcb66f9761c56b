// b24jssdk's refresh path against the bundled scenario
// bitrix24-token-expired (activated by the caller): the default fixture
// token works for five calls, then answers 401 expired_token; the client
// refreshes it at /oauth/token/ and retries with the new token.
// CHATEMU_URL is the emulator's https base URL; its CA must be trusted
// (NODE_EXTRA_CA_CERTS).
import assert from 'node:assert/strict'
import { B24OAuth, ParamsFactory } from '@bitrix24/b24jssdk'

const base = process.env.CHATEMU_URL
if (!base) {
  console.error('set CHATEMU_URL to the emulator (https://127.0.0.1:PORT)')
  process.exit(2)
}
const step = (msg) => console.log('ok  ' + msg)

async function journal(operation) {
  const r = await fetch(`${base}/_emulator/requests?vendor=bitrix24&operation=${operation}`)
  return (await r.json()).requests
}

try {
  let refreshed = null
  const b24 = new B24OAuth({
    applicationToken: '', userId: 1, memberId: 'a223c6b3710f85df22e9377d6c4f7553',
    accessToken: 'test-access-token', refreshToken: 'test-refresh-token', expires: Math.floor(Date.now() / 1000) + 3600, expiresIn: 3600,
    scope: 'imbot,imopenlines', domain: new URL(base).host, clientEndpoint: base + '/rest/', serverEndpoint: base + '/rest/', status: 'L',
  }, { clientId: 'chatemu', clientSecret: 'chatemu-secret' }, { restrictionParams: ParamsFactory.getRealtime() })
  b24.offClientSideWarning()
  b24.auth.setCallbackRefreshAuth(async ({ authData }) => { refreshed = authData })
  const revision = async () => (await b24.actions.v2.call.make({ method: 'imopenlines.revision.get' })).getData().result

  for (let i = 1; i <= 5; i++) {
    assert.deepEqual(await revision(), { rest: 2, web: 1, mobile: 1 })
  }
  assert.equal(refreshed, null)
  step('b24jssdk OAuth: five calls with test-access-token')

  assert.deepEqual(await revision(), { rest: 2, web: 1, mobile: 1 })
  assert.notEqual(refreshed, null, 'the client did not refresh')
  assert.notEqual(refreshed.access_token, 'test-access-token')
  assert.equal((await journal('bitrix24.oauth.token')).filter((r) => r.status === 200).length, 1)
  const calls = await journal('bitrix24.imopenlines.revision.get')
  assert.deepEqual(calls.map((r) => r.status), [200, 200, 200, 200, 200, 401, 200])
  step('b24jssdk OAuth: the sixth call got 401 expired_token, the client refreshed at /oauth/token/ and the retry succeeded')

  assert.deepEqual(await revision(), { rest: 2, web: 1, mobile: 1 })
  step('b24jssdk OAuth: the refreshed token goes on working')
  console.log('PASS')
} catch (e) {
  console.error('FAIL', e)
  process.exit(1)
}
