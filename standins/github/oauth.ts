/**
 * GitHub's OAuth web flow, stand-in edition: `GET /login/oauth/authorize` shows the consent page
 * (or approves at once for `autoApprove`), its form redirects to the app's callback with `code` and
 * `state`, and `POST /login/oauth/access_token` exchanges the code (single use, 10 minutes, same
 * redirect URI, PKCE S256) for a token, answering errors as GitHub does: 200 with `error`.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { escapeHtml, readFields, redirect, sendHtml, sendJson, sendText } from './http.ts'
import { layout } from './pages.ts'
import type { GitHubState, OAuthApp, User } from './state.ts'

const CODE_LIFETIME_MS = 10 * 60 * 1000
const TOKEN_ERRORS_DOCS = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors'

const SCOPE_TEXT: Record<string, string> = {
  repo: 'Full control of private repositories',
  public_repo: 'Access public repositories',
  'repo:status': 'Access commit status',
  user: 'Update ALL user data',
  'read:user': 'Read ALL user profile data',
  'user:email': 'Access user email addresses (read-only)',
  workflow: 'Update GitHub Action workflows',
  'read:org': 'Read org and team membership',
}

/** Scopes from a `scope` parameter: space- or comma-separated, duplicates dropped. */
function parseScopes(value: string | undefined | null): string[] {
  return [...new Set((value ?? '').split(/[\s,]+/).filter(Boolean))]
}

/** The parameters of an authorization request, checked; or the page explaining why not. */
type Authorization =
  | { ok: true; app: OAuthApp; redirectUri: string | null; scopes: string[]; state: string | null; codeChallenge: string | null }
  | { ok: false; status: number; title: string; message: string }

function checkAuthorization(state: GitHubState, params: Record<string, string>): Authorization {
  const app = params.client_id ? state.oauthApps.get(params.client_id) : undefined
  if (!app) return { ok: false, status: 404, title: 'Not Found', message: 'No OAuth app has this client_id.' }
  const redirectUri = params.redirect_uri || null
  if (redirectUri !== null && redirectUri !== app.redirectUri) {
    return {
      ok: false,
      status: 400,
      title: 'Be careful!',
      message: `The redirect_uri is not associated with this application (${app.name}). The application might be misconfigured or could be trying to redirect you to a website you weren't expecting.`,
    }
  }
  const challenge = params.code_challenge || null
  if (challenge && (params.code_challenge_method ?? 'S256') !== 'S256') {
    return { ok: false, status: 400, title: 'Invalid request', message: 'code_challenge_method must be S256.' }
  }
  return { ok: true, app, redirectUri, scopes: parseScopes(params.scope), state: params.state ?? null, codeChallenge: challenge }
}

/** Issues a code for `user` and redirects to the app's callback with it (and `state`). */
function approve(gh: GitHubState, res: ServerResponse, auth: Extract<Authorization, { ok: true }>, user: User): void {
  const code = randomBytes(10).toString('hex')
  gh.oauthCodes.set(code, {
    code,
    app: auth.app,
    user,
    scopes: auth.scopes,
    redirectUri: auth.redirectUri,
    codeChallenge: auth.codeChallenge,
    expiresAt: gh.now() + CODE_LIFETIME_MS,
    used: false,
  })
  const target = new URL(auth.redirectUri ?? auth.app.redirectUri)
  target.searchParams.set('code', code)
  if (auth.state !== null) target.searchParams.set('state', auth.state)
  redirect(res, String(target))
}

/** Handles `/login/oauth/authorize` (GET: the consent page; POST: its form) and `/login/oauth/access_token`. */
export async function handleOAuth(gh: GitHubState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') return exchange(gh, req, res, url)
  if (url.pathname !== '/login/oauth/authorize' || (req.method !== 'GET' && req.method !== 'POST')) {
    return sendText(res, 404, 'Not Found')
  }
  const params = req.method === 'POST' ? await readFields(req, url) : Object.fromEntries(url.searchParams)
  const auth = checkAuthorization(gh, params)
  if (!auth.ok) return sendHtml(res, auth.status, layout(auth.title, `<h1>${escapeHtml(auth.title)}</h1><p class="error">${escapeHtml(auth.message)}</p>`))

  if (req.method === 'POST') {
    const target = new URL(auth.redirectUri ?? auth.app.redirectUri)
    if (params.authorize !== '1') {
      target.searchParams.set('error', 'access_denied')
      target.searchParams.set('error_description', 'The user has denied your application access.')
      target.searchParams.set('error_uri', 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied')
      if (auth.state !== null) target.searchParams.set('state', auth.state)
      return redirect(res, String(target))
    }
    const user = gh.user(params.login ?? '')
    if (!user || user.type !== 'User') return sendHtml(res, 400, layout('Unknown user', `<p class="error">No user called ${escapeHtml(params.login)}.</p>`))
    return approve(gh, res, auth, user)
  }

  const autoUser = gh.autoApprove ? gh.user(gh.autoApprove) : undefined
  if (autoUser) return approve(gh, res, auth, autoUser)
  const people = [...gh.users.values()].filter((u) => u.type === 'User')
  const hidden = ['client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method']
    .filter((name) => params[name] !== undefined)
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params[name])}">`)
    .join('')
  const scopes = auth.scopes.length
    ? `<ul>${auth.scopes.map((s) => `<li><code>${escapeHtml(s)}</code> ${escapeHtml(SCOPE_TEXT[s] ?? '')}</li>`).join('')}</ul>`
    : '<p>Read-only access to public information.</p>'
  const body = `
    <h1>Authorize ${escapeHtml(auth.app.name)}</h1>
    <p><strong>${escapeHtml(auth.app.name)}</strong> wants to access your account.</p>
    ${scopes}
    <form method="post" action="/login/oauth/authorize">
      ${hidden}
      <label>Signed in as <select name="login">${people.map((u) => `<option value="${escapeHtml(u.login)}">${escapeHtml(u.login)}</option>`).join('')}</select></label>
      <p>
        <button type="submit" name="authorize" value="1">Authorize ${escapeHtml(auth.app.name)}</button>
        <button type="submit" name="authorize" value="0">Cancel</button>
      </p>
    </form>
    <p>Authorizing will redirect to <code>${escapeHtml(auth.redirectUri ?? auth.app.redirectUri)}</code></p>`
  return sendHtml(res, 200, layout(`Authorize ${auth.app.name}`, body))
}

/** `POST /login/oauth/access_token`: a code for a token. */
async function exchange(gh: GitHubState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const params = await readFields(req, url)
  const json = /application\/json/i.test(String(req.headers.accept ?? ''))
  const answer = (body: Record<string, string>) => {
    if (json) sendJson(res, 200, body)
    else res.writeHead(200, { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }).end(String(new URLSearchParams(body)))
  }
  const fail = (error: string, description: string, anchor: string) =>
    answer({ error, error_description: description, error_uri: `${TOKEN_ERRORS_DOCS}/#${anchor}` })

  const app = gh.oauthApps.get(params.client_id ?? '')
  if (!app || app.clientSecret !== params.client_secret) {
    return fail('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.', 'incorrect-client-credentials')
  }
  const code = gh.oauthCodes.get(params.code ?? '')
  const usable = code && code.app === app && !code.used && gh.now() < code.expiresAt
  // Any exchange attempt uses the code up, so a leaked code cannot be retried.
  if (code) code.used = true
  if (!code || !usable) return fail('bad_verification_code', 'The code passed is incorrect or expired.', 'bad-verification-code')
  if (params.redirect_uri && params.redirect_uri !== (code.redirectUri ?? app.redirectUri)) {
    return fail('redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.', 'redirect-uri-mismatch2')
  }
  if (code.codeChallenge) {
    const verifier = params.code_verifier ?? ''
    const computed = createHash('sha256').update(verifier).digest('base64url')
    if (!verifier || computed !== code.codeChallenge) {
      return fail('bad_verification_code', 'The code passed is incorrect or expired.', 'bad-verification-code')
    }
  }
  const token = gh.issueToken(code.user, code.scopes, app.clientId)
  answer({ access_token: token.token, token_type: 'bearer', scope: code.scopes.join(',') })
}
