// One step of the flow is visible at a time; the stepper marks it, and focus moves to
// the step's heading so keyboard and screen-reader users land on what is new.

const ORDER = ['start', 'file', 'invite', 'agree', 'progress', 'report'];

/** Shows the section `data-step=name` (the guest's `join` counts as `start`). */
export function showStep(name) {
  for (const sec of document.querySelectorAll('section.step')) sec.hidden = sec.dataset.step !== name;
  const current = name === 'join' ? 'start' : name;
  const at = ORDER.indexOf(current);
  for (const li of document.querySelectorAll('.stepper li')) {
    const i = ORDER.indexOf(li.dataset.step);
    li.classList.toggle('done', i < at);
    if (i === at) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
  document.body.dataset.step = name;
  const heading = document.querySelector(`section[data-step="${name}"] h2`);
  heading?.focus({ preventScroll: false });
}

/** The guest's stepper: it does not invite anyone. */
export function setGuestStepper() {
  const invite = document.querySelector('.stepper li[data-step="invite"]');
  if (invite) invite.textContent = 'Connect';
  const start = document.querySelector('.stepper li[data-step="start"]');
  if (start) start.textContent = 'Join';
}
