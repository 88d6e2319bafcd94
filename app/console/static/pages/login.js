/* Login: POST /auth/operator-login, keep the token in sessionStorage, go to the home page. */
(function () {
  "use strict";
  const { $, post, session, homeFor } = window.Console;
  const form = $("#login-form");
  const error = $("#login-error");

  function safeNext() {
    const next = new URLSearchParams(location.search).get("next") || "";
    return next.startsWith("/console/") && !next.startsWith("/console/login") ? next : null;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.classList.add("hidden");
    $("#login-submit").disabled = true;
    try {
      const body = { username: $("#username").value.trim(), password: $("#password").value };
      const result = await post("/auth/operator-login", body, { noRedirect: true });
      const home = homeFor(result.user);
      if (!home) {
        error.textContent = "该账号没有控制台权限";
        error.classList.remove("hidden");
        return;
      }
      session.save(result.token, result.user);
      location.href = safeNext() || home;
    } catch (err) {
      error.textContent = err.message;
      error.classList.remove("hidden");
    } finally {
      $("#login-submit").disabled = false;
    }
  });
})();
