// A certified OpenID Provider for tests/openid_provider.rs: npm's oidc-provider (panva, OpenID
// Certified), listening on 127.0.0.1:0. Every token comes out of the provider's own endpoints:
// ID tokens and RFC 9068 JWT access tokens through the authorization code flow (driven
// headlessly: the interaction is finished programmatically, no dev interactions), and JWT
// access tokens through client_credentials with a resource indicator. This process never
// signs anything itself.
//
// Usage: node oidc_provider.mjs [--issuer URL]
//   --issuer: state this issuer instead of the listening address (a second instance
//             impersonating the first, with other keys under the same kids).
// Prints one JSON line {"issuer": …} when ready, then answers one JSON line per JSON command
// line on stdin; exits when stdin closes.
//   {"cmd":"code","client":"app-rs256","account":"ada"} -> {"id_token","access_token"}
//   {"cmd":"client_credentials","client":"app-es256"}   -> {"access_token"}
//   {"cmd":"rotate"}  a new key per algorithm, published first and signing from now on
//   {"cmd":"retire"}  drops every key but the newest per algorithm
//   {"cmd":"stats"}   -> {"jwks":n,"discovery":n} requests served
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import readline from "node:readline";
import Provider from "oidc-provider";

const args = process.argv.slice(2);
const statedIssuer = args[0] === "--issuer" ? args[1] : undefined;

export const RESOURCE = "https://api.example.com/";
const REDIRECT = "https://app.example/cb";
const ALGS = { RS256: "rsa", ES256: "ec", EdDSA: "ed25519" };
const CLIENTS = { "app-rs256": "RS256", "app-es256": "ES256", "app-eddsa": "EdDSA" };
const SECRET = "client-secret-0123456789abcdef0123456789";

// Accounts, and the claims the provider's account lookup gives: namespaced keys, group
// arrays, nested objects.
const ACCOUNTS = {
  ada: {
    email: "ada@example.com",
    email_verified: true,
    "https://example.com/roles": ["admin", "member"],
    groups: ["engineering", "oncall"],
    org: { id: "org-7", name: "Analytical Engines", tier: { level: 3 } },
  },
  grace: {
    email: "grace@example.com",
    email_verified: true,
    "https://example.com/roles": ["member"],
    groups: [],
    org: { id: "org-9", name: "Compilers", tier: { level: 1 } },
  },
};

let generation = 0;
let keys = []; // [{alg, jwk}] newest first
function newKeys() {
  generation += 1;
  return Object.entries(ALGS).map(([alg, type]) => {
    const options = type === "rsa" ? { modulusLength: 2048 } : type === "ec" ? { namedCurve: "P-256" } : {};
    const { privateKey } = generateKeyPairSync(type, options);
    const jwk = privateKey.export({ format: "jwk" });
    return { alg, jwk: { ...jwk, alg, use: "sig", kid: `${alg.toLowerCase()}-${generation}` } };
  });
}

const counts = { jwks: 0, discovery: 0 };
let provider;
let issuer;
let base; // where this instance listens: the issuer, unless it states another
const local = (href) => (href.startsWith(issuer) ? base + href.slice(issuer.length) : href);

function makeProvider() {
  const configuration = {
    clients: Object.entries(CLIENTS).map(([client_id, alg]) => ({
      client_id,
      client_secret: SECRET,
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "client_credentials"],
      response_types: ["code"],
      id_token_signed_response_alg: alg,
    })),
    jwks: { keys: keys.map((k) => k.jwk) },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      roles: ["https://example.com/roles", "groups", "org"],
    },
    scopes: ["openid", "offline_access", "email", "roles", "read"],
    // The ID token carries the claims even when an access token is issued too.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => {
          if (resource !== RESOURCE) throw new Error("unknown resource");
          return {
            scope: "read",
            audience: RESOURCE,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: CLIENTS[client.clientId] } },
          };
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) =>
      ACCOUNTS[id] && { accountId: id, claims: async () => ({ sub: id, ...ACCOUNTS[id] }) },
    // The account's claims in its JWT access tokens too (RFC 9068 §2.2.3.1).
    extraTokenClaims: (_ctx, token) => {
      const account = token.accountId && ACCOUNTS[token.accountId];
      if (!account) return undefined;
      const { email, groups, org } = account;
      return { email, groups, org, "https://example.com/roles": account["https://example.com/roles"] };
    },
    pkce: { required: () => false },
    ttl: { AccessToken: 600, IdToken: 600, ClientCredentials: 600, Grant: 600, Interaction: 600, Session: 600 },
  };
  const instance = new Provider(issuer, configuration);
  instance.on("server_error", (_ctx, err) => process.stderr.write(`server_error: ${err.stack}\n`));
  return instance;
}

// The login and consent step, finished by the program: the account is the `login_hint`.
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const accountId = details.params.login_hint;
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  grant.addResourceScope(RESOURCE, "read");
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path === "/jwks") counts.jwks += 1;
  if (path === "/.well-known/openid-configuration") counts.discovery += 1;
  if (path.startsWith("/interaction/")) {
    interaction(req, res).catch((err) => {
      process.stderr.write(`interaction: ${err.stack}\n`);
      res.statusCode = 500;
      res.end();
    });
    return;
  }
  provider.callback()(req, res);
});

// A user agent with a cookie jar, following the provider's redirects until they leave it.
async function authorize(client, account) {
  const jar = new Map();
  const state = randomBytes(8).toString("hex");
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  let url = `${base}/auth?${new URLSearchParams({
    client_id: client,
    response_type: "code",
    redirect_uri: REDIRECT,
    scope: "openid email roles read",
    nonce: randomBytes(8).toString("hex"),
    state,
    login_hint: account,
    resource: RESOURCE,
    code_challenge: challenge,
    code_challenge_method: "S256",
  })}`;
  for (let hop = 0; hop < 10; hop += 1) {
    const response = await fetch(url, {
      redirect: "manual",
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = response.headers.get("location");
    if (!location) throw new Error(`no redirect from ${url}: ${response.status} ${await response.text()}`);
    const next = new URL(local(new URL(location, url).href));
    if (next.href.startsWith(REDIRECT)) {
      const code = next.searchParams.get("code");
      if (!code || next.searchParams.get("state") !== state) throw new Error(`no code: ${next}`);
      return { code, verifier };
    }
    url = next.href;
  }
  throw new Error("too many redirects");
}

async function token(client, form) {
  const response = await fetch(`${base}/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${client}:${SECRET}`).toString("base64")}`,
    },
    body: new URLSearchParams(form),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`token endpoint: ${JSON.stringify(body)}`);
  return body;
}

async function command(request) {
  switch (request.cmd) {
    case "code": {
      const { code, verifier } = await authorize(request.client, request.account);
      const body = await token(request.client, {
        grant_type: "authorization_code",
        code,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
        resource: RESOURCE,
      });
      return { id_token: body.id_token, access_token: body.access_token };
    }
    case "client_credentials": {
      const body = await token(request.client, {
        grant_type: "client_credentials",
        resource: RESOURCE,
        scope: "read",
      });
      return { access_token: body.access_token };
    }
    case "rotate":
      keys = [...newKeys(), ...keys];
      provider = makeProvider();
      return { kids: keys.map((k) => k.jwk.kid) };
    case "retire":
      keys = keys.filter((k, i) => keys.findIndex((other) => other.alg === k.alg) === i);
      provider = makeProvider();
      return { kids: keys.map((k) => k.jwk.kid) };
    case "stats":
      return counts;
    default:
      throw new Error(`unknown command ${request.cmd}`);
  }
}

server.listen(0, "127.0.0.1", () => {
  base = `http://127.0.0.1:${server.address().port}`;
  issuer = statedIssuer ?? base;
  keys = newKeys();
  provider = makeProvider();
  process.stdout.write(`${JSON.stringify({ issuer, base })}\n`);
});

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on("line", (line) => {
  queue = queue.then(async () => {
    let answer;
    try {
      answer = await command(JSON.parse(line));
    } catch (err) {
      answer = { error: String(err && err.stack ? err.stack : err) };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  });
});
lines.on("close", () => {
  queue.then(() => {
    server.close();
    process.exit(0);
  });
});
