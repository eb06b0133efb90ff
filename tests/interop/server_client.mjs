// Drives examples/server.rs with the real @statebacked/client, as a browser app on an anonymous
// session would: the client mints the anonymous identity token itself, exchanges it at
// `{apiHost}/tokens`, then creates, reads and sends an event to its own instance, and finally
// tries to read someone else's instance, which the server must refuse.
//
// Environment: SB_API_HOST, SB_ORG_ID, SB_MACHINE, SB_OWN_INSTANCE, SB_OTHER_INSTANCE, SB_EVENT;
// optional SB_SESSION_ID (else the client picks a random UUID), SB_DEVICE_ID (else = session id),
// SB_CONTEXT (JSON initial context).
// Prints one JSON line: {"created","read","afterEvent","denied":{"name","isRejected","message",…}}.
import { StateBackedClient, errors } from "@statebacked/client";

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

async function run() {
  const machine = env("SB_MACHINE");
  const own = env("SB_OWN_INSTANCE");
  const other = env("SB_OTHER_INSTANCE");
  const { SB_SESSION_ID: sid, SB_DEVICE_ID: did } = process.env;
  const context = JSON.parse(process.env.SB_CONTEXT ?? '{"public":{"from":"server_client.mjs"}}');

  const client = new StateBackedClient(
    {
      anonymous: {
        orgId: env("SB_ORG_ID"),
        ...(sid ? { getSessionId: () => sid } : {}),
        ...(did ? { getDeviceId: () => did } : {}),
      },
    },
    { apiHost: env("SB_API_HOST") },
  );

  const created = await client.machineInstances.create(machine, { slug: own, context });
  const read = await client.machineInstances.get(machine, own);
  const afterEvent = await client.machineInstances.sendEvent(machine, own, { event: env("SB_EVENT") });

  let denied;
  try {
    const state = await client.machineInstances.get(machine, other);
    throw new Error(`reading ${other} should have been refused, got ${JSON.stringify(state)}`);
  } catch (err) {
    if (!(err instanceof errors.ApiError)) throw err;
    denied = {
      name: err.name,
      isRejected: err instanceof errors.RejectedByMachineAuthorizerError,
      message: err.message,
      status: err.status,
      code: err.code,
    };
  }
  return { created, read, afterEvent, denied };
}

run().then(
  (out) => process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0)),
  (err) => {
    const status = err.status ? ` (${[err.status, err.code].filter(Boolean).join(" ")})` : "";
    process.stderr.write(`${err.name ?? "Error"}${status}: ${err.message}\n`);
    process.exit(1);
  },
);
