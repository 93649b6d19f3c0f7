// @openmined/psi.js in node, the reference point: one server (side A) and one client
// (side B) in one process, for each of its data structures (Raw, GCS). Cardinality mode
// (getIntersectionSize), which matches what cleanmatch's aggregate report reveals.
import PSI from '@openmined/psi.js';
import { asHexStrings } from './data.mjs';

// psi.js's GCS false-positive rate. Its serializer fails ("Assertion failed" in
// writeInt64) at 100k × 100k with 1e-9, so 1e-6: still far above cleanmatch's 96-bit
// values (~2^-56 at a million per side), which is the cheaper side of the comparison.
const FPR = 1e-6;

export async function runPsiJs(data, structure) {
  const psi = await PSI();
  const ds = psi.dataStructure[structure];
  const serverInputs = asHexStrings(data.a);
  const clientInputs = asHexStrings(data.b);
  const server = psi.server.createWithNewKey(true);
  const client = psi.client.createWithNewKey(true);
  const t = {};
  let start = performance.now();
  const setup = server.createSetupMessage(FPR, clientInputs.length, serverInputs, ds);
  t.setup = performance.now() - start;
  start = performance.now();
  const request = client.createRequest(clientInputs);
  t.request = performance.now() - start;
  start = performance.now();
  const response = server.processRequest(request);
  t.response = performance.now() - start;
  start = performance.now();
  const size = client.getIntersectionSize(setup, response);
  t.intersection = performance.now() - start;
  const bytes = setup.serializeBinary().length + request.serializeBinary().length + response.serializeBinary().length;
  for (const o of [server, client, setup, request, response]) o.delete?.();
  const total = t.setup + t.request + t.response + t.intersection;
  return { name: `psi.js ${structure}`, n: serverInputs.length, phases: t, total, bytes, intersection: size };
}
