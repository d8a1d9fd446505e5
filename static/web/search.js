/* Map of the results on this page (Leaflet). The list stays the primary content: if Leaflet
   or the tiles fail to load, the map is simply absent or blank and nothing else breaks. */
(function () {
  "use strict";

  function start() {
    var el = document.getElementById("results-map");
    if (!el || typeof L === "undefined") return;
    var cards = Array.prototype.slice.call(document.querySelectorAll(".result[data-lat]"));
    if (!cards.length) return;
    el.hidden = false;
    var map = L.map(el, { scrollWheelZoom: false });
    map.attributionControl.setPrefix("Leaflet");
    L.tileLayer(el.getAttribute("data-tile-url"), {
      maxZoom: 18,
      attribution: "&copy; OpenStreetMap contributors"
    }).addTo(map);
    var bounds = [];
    cards.forEach(function (card, index) {
      var lat = parseFloat(card.getAttribute("data-lat"));
      var lng = parseFloat(card.getAttribute("data-lng"));
      if (isNaN(lat) || isNaN(lng)) return;
      var link = document.createElement("a");
      link.href = card.getAttribute("data-url");
      link.textContent = card.getAttribute("data-name");
      L.marker([lat, lng], { title: card.getAttribute("data-name"), alt: card.getAttribute("data-name") })
        .addTo(map)
        .bindPopup(link);
      bounds.push([lat, lng]);
    });
    if (bounds.length === 1) map.setView(bounds[0], 12);
    else if (bounds.length) map.fitBounds(bounds, { padding: [24, 24] });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
