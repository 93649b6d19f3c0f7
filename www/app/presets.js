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
  ['postal', 'Postal code (with names)'],
  ['country', 'Country (phones, name + postal)'],
  ['maid', 'Mobile ad id'],
  ['email_sha256', 'Email, SHA-256'],
  ['phone_sha256', 'Phone, SHA-256'],
  ['attribute', 'Attribute (not matched)'],
  ['ignore', 'Ignore'],
];

/** Match keys in words. `name_postal` is first name + last name + postal code + country
 *  together: a name or a postal code alone is no key. */
export const KEY_LABELS = { email: 'Email', phone: 'Phone', name_postal: 'Name + postal code', maid: 'Mobile ad id' };

/** Template → which side's file step asks for a breakdown column (the core decides the rest). */
export const TEMPLATES = {
  overlap: { hostGroup: false, guestGroup: false },
  segments: { hostGroup: true, guestGroup: true },
  measurement: { hostGroup: true, guestGroup: false },
  audience: { hostGroup: false, guestGroup: false },
};
