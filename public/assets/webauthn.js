// Security keys (WebAuthn) on the sign-in and settings pages, without any library: the server's
// options arrive as JSON (base64url for binary fields), are turned into navigator.credentials
// calls, and the key's answer goes back as JSON. A form marked data-webauthn="register" or
// "sign-in" names where its options come from (data-options) and is posted to its action.
const toBytes = (value) => {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
};
const toBase64url = (buffer) => {
  let binary = '';
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const withIds = (list) => (list || []).map((credential) => ({ ...credential, id: toBytes(credential.id) }));

const ceremonies = {
  async register(options) {
    const credential = await navigator.credentials.create({
      publicKey: { ...options, challenge: toBytes(options.challenge), user: { ...options.user, id: toBytes(options.user.id) }, excludeCredentials: withIds(options.excludeCredentials) },
    });
    const response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toBase64url(response.clientDataJSON),
        attestationObject: toBase64url(response.attestationObject),
        transports: typeof response.getTransports === 'function' ? response.getTransports() : [],
      },
    };
  },
  async 'sign-in'(options) {
    const credential = await navigator.credentials.get({
      publicKey: { ...options, challenge: toBytes(options.challenge), allowCredentials: withIds(options.allowCredentials) },
    });
    const response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toBase64url(response.clientDataJSON),
        authenticatorData: toBase64url(response.authenticatorData),
        signature: toBase64url(response.signature),
        userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined,
      },
    };
  },
};

for (const form of document.querySelectorAll('form[data-webauthn]')) {
  const problem = form.querySelector('[data-webauthn-error]');
  const show = (message) => {
    problem.textContent = message;
    problem.hidden = false;
  };
  if (!window.PublicKeyCredential) {
    show('This browser does not support security keys.');
    continue;
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.hidden = true;
    const kind = form.dataset.webauthn;
    try {
      const optionsResponse = await fetch(form.dataset.options, { headers: { accept: 'application/json' } });
      const options = await optionsResponse.json();
      if (!optionsResponse.ok) return show(options.error || 'The security key could not be used.');
      const credential = await ceremonies[kind](options);
      const fields = Object.fromEntries(new FormData(form));
      const body = kind === 'register' ? { ...fields, credential } : { ...fields, user: { credential } };
      const answer = await fetch(form.action, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
      const result = await answer.json();
      if (answer.ok && result.redirect_path) window.location.assign(result.redirect_path);
      else show(result.error || 'The security key could not be used.');
    } catch (error) {
      show(error && error.name === 'NotAllowedError' ? 'The security key was not used (cancelled or timed out).' : 'The security key could not be used.');
    }
  });
}
