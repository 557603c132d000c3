/* Two minutes before an idle session ends, the footer's notice becomes an alert at the top of
   the page (same-origin script under the CSP; without it the footer still says when). */
(function () {
  "use strict";
  var notice = document.getElementById("sessie-einde");
  if (!notice) { return; }
  /* Seconds from now as the server counted them: the computer's own clock may differ. */
  var left = parseInt(notice.getAttribute("data-seconds-left"), 10);
  if (isNaN(left)) { return; }
  function warn() {
    var box = document.createElement("div");
    box.className = "utrecht-alert utrecht-alert--warning job-session-alert";
    box.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.className = "utrecht-alert__message";
    p.textContent = "U wordt over twee minuten automatisch uitgelogd. Open een pagina of laad deze opnieuw om ingelogd te blijven; niet opgeslagen invoer gaat anders verloren.";
    box.appendChild(p);
    var main = document.getElementById("inhoud");
    (main || document.body).insertBefore(box, main ? main.firstChild : null);
  }
  var wait = (left - 120) * 1000;
  if (wait <= 0) { warn(); } else if (wait < 2147483647) { window.setTimeout(warn, wait); }
}());
