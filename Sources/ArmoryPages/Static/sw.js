// Armory's service worker: shows an alarm pushed to this phone, and keeps it on screen until
// it is tapped; tapping opens the alarm's entry, where it can be answered.
self.addEventListener("push", function (event) {
  var alarm = {};
  try { alarm = event.data ? event.data.json() : {}; } catch (e) { alarm = { title: "Armory alarm", body: event.data ? event.data.text() : "" }; }
  event.waitUntil(self.registration.showNotification(alarm.title || "Armory alarm", {
    body: alarm.body || "",
    tag: alarm.key || undefined,
    data: { url: alarm.url || "/" },
    requireInteraction: true,
    renotify: true,
    vibrate: alarm.critical ? [600, 200, 600, 200, 600] : [300, 100, 300]
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data && event.notification.data.url || "/"));
});
