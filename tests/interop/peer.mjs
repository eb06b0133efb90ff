// The JavaScript peers for tests/interop.rs: one JSON request in (argv[2]), one line out.
// Signing as a State Backed customer does goes through @statebacked/token; everything else
// (verifying, JWKS, JWE, key generation) through the current panva/jose, 6.x.
import { StateBackedClient } from "@statebacked/client";
import { signToken } from "@statebacked/token";
import {
  CompactEncrypt,
  SignJWT,
  base64url,
  compactDecrypt,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from "jose6"; // the current panva/jose; @statebacked/token brings its own jose 4

const request = JSON.parse(process.argv[2]);
const encoder = new TextEncoder();

async function run() {
  switch (request.op) {
    case "sign":
      // Exactly what a State Backed customer's server does.
      return signToken(
        { stateBackedKeyId: request.keyId, stateBackedSecretKey: request.secret },
        // A JSON text, so the claims keep their member order.
        JSON.parse(request.claimsJson),
        { expires: request.expires, issuer: request.issuer },
      );
    case "verify": {
      const { payload, protectedHeader } = await jwtVerify(
        request.token,
        encoder.encode(request.secret),
        { audience: request.audience, issuer: request.issuer, algorithms: ["HS256"] },
      );
      return JSON.stringify({ payload, header: protectedHeader });
    }
    case "verify-jwks": {
      // A service that trusts our issuer through its published JWKS.
      const { payload, protectedHeader } = await jwtVerify(
        request.token,
        createLocalJWKSet(request.jwks),
        { audience: request.audience, issuer: request.issuer, algorithms: [request.alg] },
      );
      return JSON.stringify({ payload, header: protectedHeader });
    }
    case "generate-jwk": {
      // A key pair as jose makes it, exported as private and public JWKs.
      const { publicKey, privateKey } = await generateKeyPair(request.alg, { extractable: true });
      return JSON.stringify({
        private: await exportJWK(privateKey),
        public: await exportJWK(publicKey),
      });
    }
    case "jwe-decrypt": {
      // A nested token: decrypt, then verify the signed token inside.
      const { plaintext, protectedHeader } = await compactDecrypt(
        request.token,
        base64url.decode(request.encryptionKey),
        { keyManagementAlgorithms: [request.alg], contentEncryptionAlgorithms: [request.enc] },
      );
      const { payload } = await jwtVerify(
        new TextDecoder().decode(plaintext),
        encoder.encode(request.secret),
        { audience: request.audience, algorithms: ["HS256"] },
      );
      return JSON.stringify({ payload, header: protectedHeader });
    }
    case "jwe-encrypt": {
      const signed = await new SignJWT(request.claims)
        .setProtectedHeader({ alg: "HS256", kid: request.keyId })
        .sign(encoder.encode(request.secret));
      return new CompactEncrypt(encoder.encode(signed))
        .setProtectedHeader({ alg: request.alg, enc: request.enc, cty: "JWT" })
        .encrypt(base64url.decode(request.encryptionKey));
    }
    case "client-identity": {
      // The anonymous identity token exactly as the browser client mints it, at a fixed time.
      const realNow = Date.now;
      Date.now = () => request.nowMs;
      try {
        const client = new StateBackedClient(
          {
            anonymous: {
              orgId: request.orgId,
              getSessionId: async () => request.sid,
              getDeviceId: request.did === null ? undefined : async () => request.did,
            },
          },
          { fetch: async () => Promise.reject(new Error("no network in the interop tests")) },
        );
        return await client.tokenConfig.identityProviderToken();
      } finally {
        Date.now = realNow;
      }
    }
    default:
      throw new Error(`unknown op ${request.op}`);
  }
}

run().then(
  (out) => process.stdout.write(out),
  (err) => {
    process.stderr.write(`${err.code ?? "error"}: ${err.message}`);
    process.exit(1);
  },
);
