// A real OpenID Connect provider (the npm package oidc-provider) on loopback, for Keel's single
// sign-on tests. It listens on a free port, prints "listening <issuer>" and serves until killed.
//
// Environment: REDIRECT_URI (Keel's callback, required). The client is `keel` / `keel-secret`
// (client_secret_basic). Its development login form accepts any password; the login names the
// account below.
import http from 'node:http';
import Provider from 'oidc-provider';

const redirectUri = process.env.REDIRECT_URI;
if (!redirectUri) {
  console.error('REDIRECT_URI is required');
  process.exit(2);
}

const accounts = {
  grace: { email: 'grace@idp.test', email_verified: true, name: 'Grace Hopper', groups: ['okr-admins', 'staff'] },
  linus: { email: 'linus@idp.test', email_verified: true, name: 'Linus Coach', groups: ['okr-coaches'] },
  mallory: { email: 'mallory@idp.test', email_verified: false, name: 'Mallory Unverified', groups: ['okr-admins'] },
};

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'keel',
      client_secret: 'keel-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    // PKCE for every client, not only public ones.
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'groups'],
    },
    // Release the scope's claims in the ID token too (Keel also reads UserInfo when they are not).
    conformIdTokenClaims: false,
    async findAccount(ctx, id) {
      const claims = accounts[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
  });
  server.on('request', provider.callback());
  console.log(`listening ${issuer}`);
});
