/** The origin of a test instance (its LOCAL_DOMAIN, without HTTPS), as remote servers address it. */
export const BASE = 'http://subspace.test';
/** The ActivityStreams context and namespace. */
export const AS = 'https://www.w3.org/ns/activitystreams';
/** The public collection, the audience of a public post. */
export const PUBLIC = `${AS}#Public`;
