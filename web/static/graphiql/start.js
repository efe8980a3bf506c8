// Starts GraphiQL on /graphql with the vendored scripts (no CDN, no inline script: the page's
// CSP allows only this origin). ?q=, ?variables= and ?headers= prefill the editors.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: "{\n  __typename\n}\n",
      query: params.get("q") || undefined,
      variables: params.get("variables") || undefined,
      headers: params.get("headers") || undefined,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    }),
  );
})();
