// Verifies DPoP proofs made by authflow the way a resource server would, with node's jose:
// the key from the header (EmbeddedJWK), typ dpop+jwt, the claims of RFC 9449 §4.2, and the
// JWK thumbprint. Reads {"proofs":[{proof, htm, htu, ath?, nonce?, jkt}]} from argv[2], writes
// [{ok, error?}] to argv[3].
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { jwtVerify, EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader } from 'jose';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = [];
for (const item of input.proofs) {
    try {
        const { payload, protectedHeader } = await jwtVerify(item.proof, EmbeddedJWK, {
            typ: 'dpop+jwt',
            algorithms: ['ES256', 'EdDSA', 'PS256'],
        });
        const check = (what, ok) => { if (!ok) throw new Error(`${what} is wrong`); };
        check('htm', payload.htm === item.htm);
        check('htu', payload.htu === item.htu);
        check('jti', typeof payload.jti === 'string' && payload.jti.length >= 16);
        check('iat', Number.isInteger(payload.iat));
        check('nonce', payload.nonce === item.nonce);
        const ath = item.access_token
            ? createHash('sha256').update(item.access_token).digest('base64url') : undefined;
        check('ath', payload.ath === ath);
        check('jwk', !('d' in protectedHeader.jwk));
        check('jkt', (await calculateJwkThumbprint(decodeProtectedHeader(item.proof).jwk)) === item.jkt);
        results.push({ ok: true });
    } catch (e) {
        results.push({ ok: false, error: String(e.message || e) });
    }
}
writeFileSync(process.argv[3], JSON.stringify(results));
