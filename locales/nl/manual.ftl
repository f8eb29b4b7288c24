### De handmatige wijziging van SPEC §6 (seed 003), stap voor stap.

step-backup-downgrade = Maak eerst een back-up van de gegevens in { $services }: { $target } mist { $count ->
    [one] deze service
   *[other] deze services
} of heeft er een lagere versie van.
step-backup-one-way = Maak eerst een back-up van de gegevens van de klant: de overstap van { $source } naar { $target } wisselt van servicefamilie en kan niet ongedaan worden gemaakt.
step-cancel-elsewhere = Laat de klant eerst { $subscriptions } daar annuleren.
step-elsewhere-subscription = abonnement { $id } op { $offer } ({ $channel } gekocht)
step-custom-domain = Verwijder het aangepaste domein vóór de overstap en voeg het daarna opnieuw toe; de services ervan zijn in de tussentijd niet beschikbaar.
step-use-existing = Gebruik het bestaande abonnement { $id } op { $target }: het heeft { $free ->
    [one] 1 vrije licentie
   *[other] { $free } vrije licenties
}, dus { $to_buy ->
    [0] er zijn geen extra licenties nodig
   *[other] koop er nog { $to_buy } bij
}.
step-buy = Koop { $count ->
    [one] 1 licentie
   *[other] { $count } licenties
} van { $target } voor dezelfde organisatie ({ $customer }).
step-check-active = Controleer of zowel het abonnement op { $source } als het abonnement op { $target } in de lijst staat en actief is.
step-reassign = { $users ->
    [one] Wijs de licentie van de enige gebruiker van { $source } opnieuw toe aan { $target }.
   *[other] Wijs de licenties van de { $users } gebruikers van { $source } opnieuw toe aan { $target } (allemaal of slechts een deel).
}
step-reassign-assigned-seats = Wijs de licenties van de { $users } gebruikers van { $source } opnieuw toe aan { $target } (allemaal of slechts een deel): er zijn { $assigned } licenties toegewezen, maar er zijn maar voor { $records } daarvan gebruikersgegevens bekend.
step-add-on-ends = Let op: { $add_ons } { $count ->
    [one] kan
   *[other] kunnen
} niet aan { $target } worden gekoppeld en { $count ->
    [one] vervalt
   *[other] vervallen
} met het oude abonnement.
step-cancel-source = Annuleer het abonnement op { $source }, of verwijder de ongebruikte licenties als maar een deel van de gebruikers is overgezet.
step-cancel-source-elsewhere = Annuleer het abonnement op { $source } { $channel }, of verwijder daar de ongebruikte licenties als maar een deel van de gebruikers is overgezet.
