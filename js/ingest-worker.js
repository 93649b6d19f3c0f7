// Reads one file off the main thread: the File (or a ReadableStream, transferred) is
// streamed through the core's FileIngest; the records go back as transferable arrays.
//
// In:  {module, file, preset, columns?, defaultCountry?, group?, headerRow?, suppression? (File/Blob)}
// Out: {type:'progress', done, total}  {type:'done', quality, records}  {type:'error', error}
import init, { FileIngest, SuppressionList } from './wasm/cleanmatch.js';

self.onmessage = async ({ data: msg }) => {
  let ingest;
  try {
    await init({ module_or_path: msg.module });
    let suppression;
    if (msg.suppression) {
      // The opt-out list is read first: its records are removed before anything is blinded.
      suppression = new SuppressionList(msg.preset, msg.defaultCountry);
      const r = msg.suppression.stream().getReader();
      for (let c = await r.read(); !c.done; c = await r.read()) suppression.push(c.value);
      suppression.finish();
    }
    ingest = new FileIngest(msg.preset, msg.columns, msg.defaultCountry, msg.group, suppression, msg.headerRow);
    const reader = (typeof msg.file.stream === 'function' ? msg.file.stream() : msg.file).getReader();
    const total = typeof msg.file.size === 'number' ? msg.file.size : 0;
    let done = 0;
    let lastPost = 0;
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      ingest.push(chunk.value);
      done += chunk.value.length;
      // A progress message per ~1% (or per chunk for small files) is plenty.
      if (done - lastPost >= total / 100) {
        lastPost = done;
        self.postMessage({ type: 'progress', done, total });
      }
    }
    const quality = JSON.parse(ingest.finish());
    const records = ingest.takeRecords();
    const buffers = ['rows', 'counts', 'keys', 'digests', 'groups'].map((k) => records[k].buffer);
    self.postMessage({ type: 'done', quality, records }, buffers);
  } catch (err) {
    const error = { code: typeof err?.code === 'string' ? err.code : 'internal', message: String(err?.message ?? err) };
    self.postMessage({ type: 'error', error });
  } finally {
    ingest?.free();
  }
};
