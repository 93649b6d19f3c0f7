// A worker that starts like the real one, then dies with an uncaught exception on its
// first task: the pool must reject every pending operation instead of hanging.
import './pkg/worker.js';

self.addEventListener('message', (event) => {
  if (event.data.type === 'task' && event.data.op !== 'secret') {
    setTimeout(() => { throw new Error('worker crash requested by the test'); });
  }
});
