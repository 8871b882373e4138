// Request bodies parsed as the Express twin's express.json() and
// express.urlencoded({ extended: false }) parse them, so both apps accept
// exactly the same requests: the page's fetch() calls, its no-JavaScript form
// posts, and `curl -X POST` with or without a body.
import { parse as parseQueryString } from 'node:querystring';

/** @param {import('fastify').FastifyInstance} app */
export function parseBodiesLikeExpress(app) {
  // Fastify's own JSON parser (prototype-poisoning checks included), except that an
  // empty body is `{}` rather than a 400, as for body-parser.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, {});
    parseJson(request, body, done);
  });

  // HTML forms. querystring, as extended: false uses: a repeated field is an
  // array, which then fails validation instead of silently taking one value.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseQueryString(body));
  });

  // Any other type: read (within bodyLimit) and ignored, where Fastify would answer 415.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => {
    done(null, undefined);
  });
}
