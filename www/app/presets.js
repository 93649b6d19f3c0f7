// What each normalization preset does, in words a marketer can check against the
// example of their own value the file step shows (src/normalize/rules.rs is the truth).

export const PRESETS = {
  uid2: 'Emails trimmed and lowercased; for gmail.com, dots and “+tags” removed before the @. '
    + 'Phones in international form (+14155550100). Names lowercased with spaces collapsed. Use it unless your partner asks for another.',
  google: 'As Google Customer Match: all spaces removed from emails; gmail.com and googlemail.com '
    + 'treated alike, dots and “+tags” removed. Phones +E.164. Postal codes uppercase, US ZIP+4 cut to 5 digits.',
  meta: 'As Meta custom audiences: emails trimmed and lowercased (no gmail rules). Phones as digits '
    + 'with the country code, no +. Names without punctuation.',
  pair: 'IAB PAIR: trimmed and lowercased, no gmail rules; phones +E.164.',
  plain: 'Trim and lowercase only; phones +E.164. No provider-specific rules.',
};

/** Column roles offered in the preview, with readable names. */
export const ROLES = [
  ['email', 'Email'],
  ['phone', 'Phone'],
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['full_name', 'Full name'],
  ['postal', 'Postal code'],
  ['country', 'Country (for phones)'],
  ['maid', 'Mobile ad id'],
  ['email_sha256', 'Email, SHA-256'],
  ['phone_sha256', 'Phone, SHA-256'],
  ['attribute', 'Attribute (not matched)'],
  ['ignore', 'Ignore'],
];

/** The match key a role feeds (`null` when the role is not an identifier). */
export function keyOfRole(role) {
  return ({
    email: 'email', email_sha256: 'email', phone: 'phone', phone_sha256: 'phone',
    first_name: 'name', last_name: 'name', full_name: 'name', postal: 'postal', maid: 'maid',
  })[role] ?? null;
}

/** Template → what the page needs from each side. */
export const TEMPLATES = {
  overlap: { mode: 'aggregate', hostGroup: false, guestGroup: false },
  segments: { mode: 'aggregate', hostGroup: true, guestGroup: true },
  measurement: { mode: 'aggregate', hostGroup: true, guestGroup: false },
  audience: { mode: 'audience', hostGroup: false, guestGroup: false },
};
