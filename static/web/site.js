/* Small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // "Use my location": fills near with "lat,lng" (the API's own format) and submits.
  function setUpLocationButton() {
    var button = document.getElementById("use-location");
    var input = document.getElementById("id_near");
    var status = document.getElementById("location-status");
    if (!button || !input || !("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "Finding your location…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          input.value = position.coords.latitude.toFixed(4) + "," + position.coords.longitude.toFixed(4);
          status.textContent = "Location found. Searching near you.";
          if (input.form) input.form.submit();
        },
        function () {
          status.textContent = "We could not get your location. Please type a ZIP code instead.";
          input.focus();
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
      );
    });
  }

  // Slot times are shown in the clinic's zone; say so when the visitor's zone differs.
  function noteVisitorTimezone() {
    var visitorZone;
    try {
      visitorZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    document.querySelectorAll("[data-clinic-timezone]").forEach(function (el) {
      var clinicZone = el.getAttribute("data-clinic-timezone");
      if (visitorZone && clinicZone && visitorZone !== clinicZone) {
        el.textContent = "Times are shown in the clinic's time zone (" + clinicZone +
          "), which is different from yours (" + visitorZone + ").";
        el.hidden = false;
      }
    });
  }

  // Buttons that ask before doing something that cannot be undone.
  function setUpConfirmations() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var question = form.getAttribute && form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) event.preventDefault();
    });
  }

  function ready() {
    setUpLocationButton();
    noteVisitorTimezone();
    setUpConfirmations();
    document.body.addEventListener("htmx:afterSwap", noteVisitorTimezone);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
