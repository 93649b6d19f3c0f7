// The relay address comes from the query (?relay=ws://…), as a portal would configure it.
const relay = new URLSearchParams(location.search).get('relay');
document.querySelector('clean-match').setAttribute('relay', relay);
await import('./pkg/element.js');
