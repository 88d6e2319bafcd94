/* A printable page for an event's attendee QR (image fetched with the organiser's token). */
(function () {
  "use strict";
  const C = window.Console;
  const E = window.Events;
  const { $ } = C;
  const eventId = document.body.dataset.eventId;
  $("#print").addEventListener("click", () => window.print());
  C.start(async () => {
    const view = await C.get(`/holder/events/${eventId}`);
    const e = view.event;
    $("#event-name").textContent = e.name;
    $("#event-meta").textContent = `${E.KINDS[e.kind] || e.kind} · ${E.dates(e)}${e.venue ? ` · ${e.venue}` : ""} · ${view.organiser}`;
    $("#qr").src = await C.blobUrl(`/holder/events/${e.id}/qr.png`);
    document.body.dataset.loaded = "1";
  });
})();
