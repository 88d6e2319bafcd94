/* 碳普惠 public registry: the only script, and only a nicety. The pages are complete
   without it; it shows the certificate's print button (hidden when script is off). */
"use strict";
(function () {
  var button = document.getElementById("print-button");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
