/** What Airlock shows instead of a secret value. Recognisable on purpose, so it is never mistaken for data. */
export const MASKED_TEXT = '**masked-by-airlock**';

/** Secret `data` values must stay valid base64, or typed clients fail to decode the whole object. */
export const MASKED_BASE64 = Buffer.from(MASKED_TEXT, 'utf8').toString('base64');
