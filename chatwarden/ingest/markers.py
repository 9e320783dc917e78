"""What WhatsApp writes instead of a message: system lines and body markers, as data.

WhatsApp localises these strings and changes them between versions; the tables below hold
every form seen in the fixture corpus plus the forms WhatsApp is known to use in other UI
languages.  Matching happens on a copy of the text with the invisible direction marks
removed; the text kept for evidence is never changed.

Two tables:

* ``SYSTEM_PATTERNS``: lines with no sender (group created, participant added, encryption
  notice, disappearing messages ...).  Named groups: ``actor`` (who did it), ``subject``
  (to whom), ``value`` (new name/subject), ``timer`` (disappearing-message duration text).
* body markers: what a *person's* message body says when it is not text (deleted, media
  omitted, attachment, location, contact card, poll, view once, missed call, edited).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatwarden.ingest.formats import MARKS

STRIP_MARKS = str.maketrans("", "", MARKS)
# Devanagari letters with nukta exist precomposed (U+0958..U+095F) and decomposed; WhatsApp
# writes the precomposed form.  Matching copies use the decomposed one.
NUKTA = str.maketrans({
    "\u0958": "\u0915\u093c", "\u0959": "\u0916\u093c", "\u095a": "\u0917\u093c", "\u095b": "\u091c\u093c",
    "\u095c": "\u0921\u093c", "\u095d": "\u0922\u093c", "\u095e": "\u092b\u093c", "\u095f": "\u092f\u093c",
})
_COMPOSE = {v: k for k, v in ((chr(c), NUKTA[c]) for c in range(0x958, 0x960))}


_MARK_RUN = re.compile(f"[{MARKS}]+")
_NUKTA_LETTER = re.compile("[\u0958-\u095f]")


def strip_marks(text: str) -> str:
    """``text`` without invisible marks (``text.translate(STRIP_MARKS)``, faster)."""
    return _MARK_RUN.sub("", text)


def fold(text: str) -> str:
    """The matching copy of a line: invisible marks removed, nukta letters decomposed."""
    text = _MARK_RUN.sub("", text)
    return text if _NUKTA_LETTER.search(text) is None else text.translate(NUKTA)


def precomposed(text: str) -> str:
    for decomposed, single in _COMPOSE.items():
        text = text.replace(decomposed, single)
    return text

# A person's name inside a system line: anything but ": " (a colon-space would mean a
# message header "Name: text" and must not be read as a system line).
N = r"(?:(?!: ).)+?"
Q_OPEN = "[\"\u201c\u201e\u00ab\u2018']"
Q_CLOSE = "[\"\u201d\u201c\u00bb\u2019']"
V = rf"{Q_OPEN}(?P<value>.*){Q_CLOSE}"
TIMER = r"(?P<timer>\d+\s*\S+)"

YOU_WORDS = frozenset(
    {
        "you", "You", "YOU", "Você", "você", "Du", "du", "dich", "Vous", "vous", "Tú", "tú",
        "Usted", "usted", "te", "Te", "Вы", "вы", "Вас", "вас", "Jste", "jste", "Vy", "vy",
        "Jij", "jij", "je", "Je", "Sen", "sen", "Sie", "Tu", "tu", "Ti", "ti", "आप", "आपको",
        "أنت", "Anda", "anda", "Bạn", "bạn",
    }
)


@dataclass(frozen=True, slots=True)
class SystemPattern:
    kind: str
    lang: str
    regex: re.Pattern[str]
    trigger: str | None  # a literal every match contains: a cheap test before the regex


def _trigger(rx: str) -> str | None:
    """The longest plain literal outside any group (depth 0) of a pattern, if any."""
    best, run, depth, i = "", "", 0, 0
    while i < len(rx):
        c = rx[i]
        if c == "\\":
            run = ""
            i += 2
            continue
        if c == "(":
            depth += 1
            run = ""
        elif c == ")":
            depth -= 1
            run = ""
        elif depth == 0 and c not in "[]{}.*+?|^$":
            run += c
            if len(run.strip()) > len(best.strip()):
                best = run
        else:
            run = ""
        i += 1
    best = best.strip()
    return best if len(best) >= 4 else None


def _p(kind: str, lang: str, rx: str) -> SystemPattern:
    return SystemPattern(kind, lang, re.compile(rx, re.DOTALL), _trigger(rx))


# Order matters: the first full match wins; specific forms precede general ones
# (e.g. "joined using this group's invite link" before "X added Y").
SYSTEM_PATTERNS: tuple[SystemPattern, ...] = (
    # ---------------------------------------------------------------- encryption notices
    _p("system:encryption", "en", r"Messages and calls are end-to-end encrypted\..*"),
    _p("system:encryption", "en", r"Messages (?:to this group|you send to this (?:group|chat)(?: and calls)?) are now secured with end-to-end encryption\..*"),
    _p("system:encryption", "en", r"Messages and calls are now end-to-end encrypted.*"),
    _p("system:encryption", "en", r"Your messages and calls are end-to-end encrypted.*"),
    _p("system:encryption", "de", r"Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt\..*"),
    _p("system:encryption", "de", r"Nachrichten, die du (?:in diesem Chat|an diese Gruppe) sendest, sowie Anrufe, sind jetzt mit Ende-zu-Ende-Verschlüsselung geschützt\..*"),
    _p("system:encryption", "de", r"Nachrichten, die du (?:in diesem Chat|an diese Gruppe) sendest, sind jetzt mit Ende-zu-Ende-Verschlüsselung geschützt\..*"),
    _p("system:encryption", "cs", r"Zprávy a hovory jsou (?:opatřeny|zabezpečeny) koncovým šifrováním\..*"),
    _p("system:encryption", "ru", r"Сообщения и звонки защищены сквозным шифрованием\..*"),
    _p("system:encryption", "fr", r"Les messages et (?:les )?appels sont chiffrés de bout en bout\..*"),
    _p("system:encryption", "es", r"Los mensajes y (?:las )?llamadas están cifrados de extremo a extremo\..*"),
    _p("system:encryption", "pt", r"As mensagens e (?:as )?(?:ligações|chamadas) são protegidas com a criptografia de ponta a ponta.*"),
    _p("system:encryption", "pt", r"As mensagens e (?:as )?(?:ligações|chamadas) são encriptadas ponto a ponto.*"),
    _p("system:encryption", "it", r"I messaggi e le chiamate sono crittografati end-to-end\..*"),
    _p("system:encryption", "nl", r"Berichten en gesprekken worden end-to-end versleuteld\..*"),
    _p("system:encryption", "tr", r"Mesajlar ve aramalar uçtan uca şifrelidir\..*"),
    _p("system:encryption", "id", r"Pesan dan panggilan terenkripsi secara end-to-end\..*"),
    _p("system:encryption", "hi", r"मैसेजेस और कॉल्स एंड-टू-एंड एन्क्रिप्टेड हैं.*"),
    _p("system:encryption", "ar", r"الرسائل والمكالمات مشفرة تمام[ًا]+ بين الطرفين.*"),
    _p("system:encryption", "pl", r"Wiadomości i połączenia są szyfrowane end-to-end\..*"),
    # ---------------------------------------------------------------- business / misc
    _p("system:business_account", "en", rf"(?P<actor>{N}) is a business account\.?(?: Tap (?:to|for) .*)?"),
    _p("system:business_account", "en", r"This (?:business|chat) (?:is now using|uses|works with|is with) .*(?:Meta|business account|other companies).*"),
    _p("system:blocked", "en", r"You blocked this contact\..*"),
    _p("system:unblocked", "en", r"You unblocked this contact\..*"),
    _p("system:community", "en", rf"(?P<actor>{N}) (?:added this group to|removed this group from) the community.*"),
    # ---------------------------------------------------------------- security / number
    _p("system:security_code_changed", "en", rf"Your security code with (?P<subject>{N}) changed\..*"),
    _p("system:security_code_changed", "en", rf"(?P<subject>{N})'s security code changed\..*"),
    _p("system:security_code_changed", "de", rf"Deine Sicherheitsnummer für (?P<subject>{N}) hat sich geändert\..*"),
    _p("system:security_code_changed", "fr", rf"Votre code de sécurité avec (?P<subject>{N}) a changé\..*"),
    _p("system:security_code_changed", "es", rf"Cambió tu código de seguridad con (?P<subject>{N})\..*"),
    _p("system:security_code_changed", "es", rf"Tu código de seguridad con (?P<subject>{N}) cambió\..*"),
    _p("system:security_code_changed", "pt", rf"Seu código de segurança com (?P<subject>{N}) mudou\..*"),
    _p("system:security_code_changed", "it", rf"Il tuo codice di sicurezza con (?P<subject>{N}) è cambiato\..*"),
    _p("system:security_code_changed", "nl", rf"Je beveiligingscode met (?P<subject>{N}) is gewijzigd\..*"),
    _p("system:security_code_changed", "cs", rf"Váš bezpečnostní kód pro (?P<subject>{N}) se změnil\..*"),
    _p("system:security_code_changed", "cs", rf"Bezpečnostní kód mezi vámi a[ \u00a0]uživatelem (?P<subject>{N}) byl změněn\..*"),
    _p("system:security_code_changed", "ru", rf"Ваш код безопасности для (?P<subject>{N}) изменился\..*"),
    _p("system:security_code_changed", "hi", rf"(?P<subject>{N}) के लिए आपका सुरक्षा कोड बदल गया है.*"),
    _p("system:security_code_changed", "ar", rf"تغير رمز الأمان الخاص بك مع (?P<subject>{N}).*"),
    _p("system:number_changed", "en", rf"(?P<actor>{N}) changed their phone number to a new number\..*"),
    _p("system:number_changed", "en", rf"(?P<actor>{N}) changed their phone number\..*"),
    _p("system:number_changed", "en", rf"(?P<actor>{N}) changed to (?P<value>\+?[\d \-()\u00a0]+)"),
    _p("system:number_changed", "en", rf"(?P<actor>{N}) changed (?:their|your) number to (?P<value>.+)"),
    _p("system:number_changed", "de", rf"(?P<actor>{N}) hat (?:zu (?P<value>\+?[\d \-()\u00a0]+) gewechselt|die Telefonnummer gewechselt.*)"),
    _p("system:number_changed", "pt", rf"(?P<actor>{N}) mudou (?:para (?P<value>\+?[\d \-()\u00a0]+)|o número de telefone.*)"),
    _p("system:number_changed", "es", rf"(?P<actor>{N}) cambió (?:a (?P<value>\+?[\d \-()\u00a0]+)|su número de teléfono.*)"),
    # ---------------------------------------------------------------- disappearing messages
    _p("system:disappearing_on", "en", rf"(?P<actor>{N}) turned on disappearing messages\. ?(?:All new messages|New messages) will disappear from this chat (?:after (?P<timer_a>\d+\s*\S+?)|{TIMER} after they're sent)\.?(?:,? except when kept\.?)?(?: Tap to change\.?)?.*"),
    _p("system:disappearing_on", "en", rf"(?P<actor>{N}) updated the message timer\. ?(?:All new messages|New messages) will disappear from this chat {TIMER} after they're sent\.?.*"),
    _p("system:disappearing_on", "en", rf"(?P<actor>{N}) uses? a default timer for disappearing messages in new chats\. ?(?:All new messages|New messages) will disappear from this chat {TIMER} after they're sent.*"),
    _p("system:disappearing_on", "en", rf"(?P<actor>{N}) (?:set|changed) (?:the )?disappearing messages? (?:timer )?to {TIMER}.*"),
    _p("system:disappearing_on", "en", rf"Disappearing messages were turned on\. ?(?:All new messages|New messages) will disappear from this chat {TIMER} after they're sent.*"),
    _p("system:disappearing_off", "en", rf"(?P<actor>{N}) turned off disappearing messages\.?.*"),
    _p("system:disappearing_off", "en", r"Disappearing messages were turned off\.?.*"),
    _p("system:disappearing_on", "pt", rf"(?P<actor>{N}) (?:atualizou a duração das mensagens temporárias|ativou as mensagens temporárias)\. ?Todas as novas mensagens desaparecerão desta conversa {TIMER} após o envio.*"),
    _p("system:disappearing_off", "pt", rf"(?P<actor>{N}) desativou as mensagens temporárias\.?.*"),
    _p("system:disappearing_on", "de", rf"(?P<actor>{N}) (?:hat(?:st)? selbstlöschende Nachrichten aktiviert|hat(?:st)? die Nachrichtendauer aktualisiert)\. ?(?:Alle )?[Nn]eue Nachrichten werden {TIMER} nach dem Senden aus diesem Chat (?:verschwinden|gelöscht).*"),
    _p("system:disappearing_off", "de", rf"(?P<actor>{N}) hat(?:st)? selbstlöschende Nachrichten deaktiviert\.?.*"),
    _p("system:disappearing_on", "es", rf"(?P<actor>{N}) (?:activó los mensajes temporales|actualizó la duración de los mensajes temporales|activaste los mensajes temporales)\. ?(?:Todos los )?(?:nuevos )?mensajes (?:nuevos )?desaparecerán de este chat {TIMER} después de enviarse.*"),
    _p("system:disappearing_off", "es", rf"(?P<actor>{N}) desactiv(?:ó|aste) los mensajes temporales\.?.*"),
    _p("system:disappearing_on", "fr", rf"(?P<actor>{N}) (?:a|avez) activé les messages éphémères\. ?(?:Tous les )?(?:nouveaux )?messages (?:nouveaux )?disparaîtront de cette discussion {TIMER} après leur envoi.*"),
    _p("system:disappearing_off", "fr", rf"(?P<actor>{N}) (?:a|avez) désactivé les messages éphémères\.?.*"),
    # ---------------------------------------------------------------- group lifecycle
    _p("system:group_created", "en", rf"(?P<actor>{N}) created group {V}"),
    _p("system:group_created", "en", rf"(?P<actor>{N}) created this group"),
    _p("system:group_created", "pt", rf"(?P<actor>{N}) criou (?:este grupo|o grupo {V})"),
    _p("system:group_created", "de", rf"(?P<actor>{N}) ha(?:s|t|st) (?:die )?Gruppe {V} erstellt"),
    _p("system:group_created", "es", rf"(?P<actor>{N}) cre(?:ó|aste) el grupo {V}"),
    _p("system:group_created", "fr", rf"(?P<actor>{N}) (?:a|avez) créé (?:le )?groupe {V}"),
    _p("system:group_created", "it", rf"(?P<actor>{N}) ha(?:i)? creato il gruppo {V}"),
    _p("system:group_created", "nl", rf"(?P<actor>{N}) (?:heeft|hebt) (?:de )?groep {V} aangemaakt"),
    _p("system:group_created", "cs", rf"(?P<actor>{N}) vytvořil(?:/a|a)? skupinu {V}"),
    _p("system:group_created", "ru", rf"(?P<actor>{N}) создал(?:\(а\)|а)? группу {V}"),
    _p("system:participant_joined_via_link", "en", rf"(?P<subject>{N}) joined using (?:this group's|a group) (?:invite )?link"),
    _p("system:participant_joined_via_link", "en", rf"(?P<subject>{N}) joined from the community"),
    _p("system:participant_joined_via_link", "pt", rf"(?P<subject>{N}) entrou (?:usando o|pelo) link (?:de convite )?(?:deste|do) grupo"),
    _p("system:participant_joined_via_link", "de", rf"(?P<subject>{N}) ist über den Einladungslink (?:dieser|der) Gruppe beigetreten"),
    _p("system:participant_joined_via_link", "es", rf"(?P<subject>{N}) se unió (?:usando|mediante) el enlace de invitación (?:de este|del) grupo"),
    _p("system:participant_joined_via_link", "fr", rf"(?P<subject>{N}) a rejoint (?:ce groupe )?via (?:le )?lien d'invitation.*"),
    _p("system:participant_joined_via_link", "it", rf"(?P<subject>{N}) si è unito/a tramite il link d'invito.*"),
    _p("system:participant_added", "en", r"You were added"),
    _p("system:participant_added", "en", rf"(?P<actor>{N}) added (?P<subject>.+)"),
    _p("system:participant_added", "pt", rf"(?P<subject>{N}) foi adicionad[oa](?:\(a\))?"),
    _p("system:participant_added", "pt", rf"(?P<actor>{N}) adicionou (?P<subject>.+)"),
    _p("system:participant_added", "de", rf"(?P<actor>{N}) ha(?:t|st) (?P<subject>.+) hinzugefügt"),
    _p("system:participant_added", "es", rf"(?P<actor>{N}) añadi(?:ó|ste) a (?P<subject>.+)"),
    _p("system:participant_added", "es", rf"(?P<actor>{N}) agreg(?:ó|aste) a (?P<subject>.+)"),
    _p("system:participant_added", "fr", rf"(?P<actor>{N}) (?:a|avez) ajouté (?P<subject>.+)"),
    _p("system:participant_added", "it", rf"(?P<actor>{N}) ha(?:i)? aggiunto (?P<subject>.+)"),
    _p("system:participant_added", "nl", rf"(?P<actor>{N}) (?:heeft|hebt) (?P<subject>.+) toegevoegd"),
    _p("system:participant_added", "cs", rf"(?P<actor>{N}) přidal(?:/a|a)? (?P<subject>.+)"),
    _p("system:participant_added", "ru", rf"(?P<actor>{N}) добавил(?:\(а\)|а)? (?P<subject>.+)"),
    _p("system:participant_removed", "en", r"You were removed"),
    _p("system:participant_removed", "en", rf"(?P<actor>{N}) removed (?P<subject>.+)"),
    _p("system:participant_removed", "pt", rf"(?P<actor>{N}) removeu (?P<subject>.+)"),
    _p("system:participant_removed", "pt", rf"(?P<subject>{N}) foi removid[oa](?:\(a\))?"),
    _p("system:participant_removed", "de", rf"(?P<actor>{N}) ha(?:t|st) (?P<subject>.+) entfernt"),
    _p("system:participant_removed", "es", rf"(?P<actor>{N}) (?:eliminó|eliminaste|quitó|quitaste) a (?P<subject>.+)"),
    _p("system:participant_removed", "fr", rf"(?P<actor>{N}) (?:a|avez) retiré (?P<subject>.+)"),
    _p("system:participant_removed", "it", rf"(?P<actor>{N}) ha(?:i)? rimosso (?P<subject>.+)"),
    _p("system:participant_removed", "nl", rf"(?P<actor>{N}) (?:heeft|hebt) (?P<subject>.+) verwijderd"),
    _p("system:participant_removed", "cs", rf"(?P<actor>{N}) odebral(?:/a|a)? (?P<subject>.+)"),
    _p("system:participant_removed", "ru", rf"(?P<actor>{N}) удалил(?:\(а\)|а)? (?P<subject>.+)"),
    _p("system:participant_left", "en", rf"(?P<subject>{N}) left"),
    _p("system:participant_left", "pt", rf"(?P<subject>{N}) saiu"),
    _p("system:participant_left", "de", rf"(?P<subject>{N}) ha(?:t|st) die Gruppe verlassen"),
    _p("system:participant_left", "es", rf"(?P<subject>{N}) sali(?:ó|ste) del grupo"),
    _p("system:participant_left", "fr", rf"(?P<subject>{N}) (?:est parti(?:e)?|a quitté le groupe)"),
    _p("system:participant_left", "it", rf"(?P<subject>{N}) è uscit[oa]"),
    _p("system:participant_left", "nl", rf"(?P<subject>{N}) (?:is vertrokken|heeft de groep verlaten)"),
    _p("system:participant_left", "cs", rf"(?P<subject>{N}) (?:opustil(?:/a|a)? skupinu|odešel|odešla)"),
    _p("system:participant_left", "ru", rf"(?P<subject>{N}) (?:вышел|вышла|покинул(?:\(а\)|а)? группу)"),
    _p("system:admin_promoted", "en", r"You're now an admin"),
    _p("system:admin_promoted", "en", rf"(?P<actor>{N}) made (?P<subject>{N}) (?:an|a group) admin"),
    _p("system:admin_demoted", "en", r"You're no longer an admin"),
    _p("system:admin_demoted", "en", rf"(?P<actor>{N}) dismissed (?P<subject>{N}) as (?:an )?admin"),
    _p("system:admin_promoted", "pt", r"Agora você é (?:um )?admin(?:istrador)?"),
    _p("system:admin_promoted", "de", r"Du bist jetzt (?:ein )?Admin"),
    _p("system:admin_promoted", "es", r"Ahora eres admin(?:in)?(?:istrador)?"),
    _p("system:admin_promoted", "fr", r"Vous êtes (?:désormais|maintenant) admin(?:istrateur)?"),
    _p("system:subject_changed", "en", rf"(?P<actor>{N}) changed the (?:subject|group name) (?:from {Q_OPEN}(?P<old>.*){Q_CLOSE} )?to {V}"),
    _p("system:subject_changed", "pt", rf"(?P<actor>{N}) (?:mudou|alterou) o (?:assunto|nome do grupo) (?:de {Q_OPEN}(?P<old>.*){Q_CLOSE} )?para {V}"),
    _p("system:subject_changed", "de", rf"(?P<actor>{N}) ha(?:t|st) den Betreff (?:von {Q_OPEN}(?P<old>.*){Q_CLOSE} )?(?:zu|in) {V} geändert"),
    _p("system:subject_changed", "es", rf"(?P<actor>{N}) cambi(?:ó|aste) el (?:asunto|nombre del grupo) (?:de {Q_OPEN}(?P<old>.*){Q_CLOSE} )?a {V}"),
    _p("system:subject_changed", "fr", rf"(?P<actor>{N}) (?:a|avez) modifié le (?:sujet|nom du groupe) (?:de {Q_OPEN}(?P<old>.*){Q_CLOSE} )?(?:en|à) {V}"),
    _p("system:subject_changed", "it", rf"(?P<actor>{N}) ha(?:i)? cambiato l'oggetto (?:da {Q_OPEN}(?P<old>.*){Q_CLOSE} )?a {V}"),
    _p("system:description_deleted", "en", rf"(?P<actor>{N}) deleted the group description"),
    _p("system:description_changed", "en", rf"(?P<actor>{N}) changed the group description"),
    _p("system:description_changed", "pt", rf"(?P<actor>{N}) (?:mudou|alterou) a descrição do grupo"),
    _p("system:description_changed", "de", rf"(?P<actor>{N}) ha(?:t|st) die Gruppenbeschreibung geändert"),
    _p("system:description_changed", "es", rf"(?P<actor>{N}) cambi(?:ó|aste) la descripción del grupo"),
    _p("system:description_changed", "fr", rf"(?P<actor>{N}) (?:a|avez) modifié la description du groupe"),
    _p("system:icon_deleted", "en", rf"(?P<actor>{N}) deleted this group's icon"),
    _p("system:icon_changed", "en", rf"(?P<actor>{N}) changed (?:this group's|the group) icon"),
    _p("system:icon_changed", "pt", rf"(?P<actor>{N}) (?:mudou|alterou) (?:a imagem|o ícone) (?:deste|do) grupo"),
    _p("system:icon_changed", "de", rf"(?P<actor>{N}) ha(?:t|st) das Gruppenbild geändert"),
    _p("system:icon_changed", "es", rf"(?P<actor>{N}) cambi(?:ó|aste) (?:el ícono|la imagen) (?:de este|del) grupo"),
    _p("system:icon_changed", "fr", rf"(?P<actor>{N}) (?:a|avez) changé l'icône (?:de ce|du) groupe"),
    _p("system:settings_changed", "en", rf"(?P<actor>{N}) changed (?:this group's|the group's|the group) settings (?P<value>.+)"),
    _p("system:settings_changed", "en", rf"(?P<actor>{N}) (?:turned (?:on|off)|changed) (?:admin approval|the settings|who can).*"),
    _p("system:settings_changed", "pt", rf"(?P<actor>{N}) (?:mudou|alterou) as configurações (?:deste|do) grupo (?P<value>.+)"),
    _p("system:missed_call", "en", r"Missed (?:group )?(?:voice|video) call.*"),
)

# ------------------------------------------------------------------------------------------
# Body markers of a person's message
# ------------------------------------------------------------------------------------------
DELETED_TEXTS: tuple[str, ...] = (
    "This message was deleted", "You deleted this message",
    "Diese Nachricht wurde gelöscht", "Du hast diese Nachricht gelöscht",
    "Tato zpráva byla odstraněna", "Tato zpráva byla smazána", "Tuto zprávu jste odstranil/a", "Tuto zprávu jste smazal/a",
    "Данное сообщение удалено", "Вы удалили данное сообщение", "Это сообщение удалено", "Вы удалили это сообщение",
    "Ce message a été supprimé", "Vous avez supprimé ce message",
    "Se eliminó este mensaje", "Eliminaste este mensaje", "Este mensaje fue eliminado",
    "Mensagem apagada", "Essa mensagem foi apagada", "Esta mensagem foi apagada", "Você apagou esta mensagem",
    "Você apagou essa mensagem",
    "Questo messaggio è stato eliminato", "Hai eliminato questo messaggio",
    "Dit bericht is verwijderd", "Je hebt dit bericht verwijderd",
    "Bu mesaj silindi", "Bu mesajı sildiniz",
    "Pesan ini telah dihapus", "Anda menghapus pesan ini",
    "यह मैसेज डिलीट कर दिया गया है", "आपने यह मैसेज डिलीट किया",
    "تم حذف هذه الرسالة", "أنت حذفت هذه الرسالة", "لقد حذفت هذه الرسالة",
    "Ta wiadomość została usunięta", "Usunięto tę wiadomość",
)
DELETED_RE = re.compile("(?:" + "|".join(re.escape(t) for t in DELETED_TEXTS) + r")\.?")

ANDROID_OMITTED_RE = re.compile(
    r"<(?:Media omitted|media omitted|Medien ausgeschlossen|Medien weggelassen|Média vynechány"
    r"|Без медиафайлов|Mídia oculta|Arquivo de mídia oculto|Multimedia omitido|Archivo omitido"
    r"|Médias omis|Fichier omis|Media omessi|Media weggelaten|Medya dahil edilmedi|Media tidak disertakan"
    r"|मीडिया छोड़ दिया गया|मीडिया छोड़ा गया|تم استبعاد الوسائط|الوسائط محذوفة|Pominięto multimedia)>"
)

# iOS "<type> omitted" (media type, phrase) by language; the document form may be preceded
# by the file name and a page count.
IOS_OMITTED: tuple[tuple[str, str], ...] = (
    ("image", r"image omitted|obrázek vynechán|Bild weggelassen|image absente|imagen omitida|फ़ोटो हटाई गई|لم يتم إدراج الصورة|imagem ocultada|immagine omessa|afbeelding weggelaten|изображение отсутствует|görüntü dahil edilmedi|gambar tidak disertakan"),
    ("video", r"video omitted|video vynecháno|Video weggelassen|vidéo absente|Video omitido|वीडियो छोड़ा गया|لم يتم إدراج الفيديوهات?|vídeo ocultado|video omesso|video weggelaten|видео отсутствует|video dahil edilmedi|video tidak disertakan"),
    ("audio", r"audio omitted|zvukový soubor vynechán|Audio weggelassen|audio omis|audio omitido|ऑडियो हटाई गयी|لم يتم إدراج المقاطع الصوتية|áudio ocultado|audio omesso|audio weggelaten|аудио отсутствует|ses dahil edilmedi|audio tidak disertakan"),
    ("sticker", r"sticker omitted|nálepka vynechána|Sticker weggelassen|sticker omis|sticker omitido|स्टिकर छोड़ा गया|تم حذف الملصقات|figurinha omitida|sticker omesso|sticker weggelaten|стикер отсутствует|çıkartma dahil edilmedi|stiker tidak disertakan"),
    ("gif", r"GIF omitted|GIF vynechán|GIF weggelassen|GIF retiré|GIF omitido|GIF छोड़ा गया|لم يتم إدراج صورة GIF|GIF ocultado|GIF omessa|GIF weggelaten|GIF отсутствует|GIF dahil edilmedi|GIF tidak disertakan"),
    ("document", r"document omitted|dokument vynechán|Dokument weggelassen|document manquant|documento omitido|डॉक्यूमेंट छोड़ा गया|لم يتم إدراج المستند|documento ocultado|documento omesso|document weggelaten|документ отсутствует|belge dahil edilmedi|dokumen tidak disertakan"),
    ("contact", r"Contact card omitted|Vizitka vynechána|Kontaktkarte ausgelassen|Fiche contact manquante|Tarjeta de contacto omitida|कॉन्टैक्ट कार्ड छोड़ा गया|لم يتم إدراج بطاقة جهة اتصال|Cartão de contato omitido|cartão de contato ocultado|scheda contatto omessa|contactkaart weggelaten|карточка контакта отсутствует|kişi kartı dahil edilmedi|kartu kontak tidak disertakan"),
)
IOS_OMITTED_RE = re.compile(
    r"(?:(?P<title>.+?) )?(?:(?P<pages>\S+ \S+) )?(?:"
    + "|".join(f"(?P<{t}>{rx})" for t, rx in IOS_OMITTED)
    + r")"
)



def _omitted_endings() -> tuple[str, ...]:
    """The phrases an iOS "<type> omitted" line ends with: a cheap test (``str.endswith``)
    before :data:`IOS_OMITTED_RE`.  Every alternative is plain text but for one optional
    letter (``ات?``), written out both ways."""
    out: list[str] = []
    for _media, rx in IOS_OMITTED:
        for alt in rx.split("|"):
            forms = [alt.replace("ات?", "ات"), alt.replace("ات?", "ا")] if "ات?" in alt else [alt]
            for form in forms:
                if any(c in form for c in "\\[](){}*+?|^$."):
                    raise ValueError("IOS_OMITTED holds a pattern, not plain text")
                out.append(form)
    return tuple(out)


IOS_OMITTED_ENDINGS = _omitted_endings()

ATTACHED_FILE_RE = re.compile(
    r"(?P<name>[^\n]+?) \((?:file attached|Datei angehängt|arquivo anexado|archivo adjunto|fichier joint"
    r"|file allegato|bestand bijgevoegd|soubor byl přiložen|файл добавлен|файл прикреплен|dosya ekli"
    r"|fail dilampirkan|berkas terlampir|फ़ाइल संलग्न है|فایل پیوست شد|ملف مرفق|plik załączony)\)"
)
ATTACHED_IOS_RE = re.compile(
    r"(?:(?P<title>[^\n]*?) )?(?:(?P<pages>\S+ \S+) )?<(?:attached|Anhang|anexo|adjunto|pièce jointe|allegato|bijlage"
    r"|příloha|вложение|прикреплено|ek|lampiran|संलग्न|المُرفق|المرفق|załącznik) ?: (?P<name>[^<>\n]+)>"
)
LOCATION_RE = re.compile(
    r"(?:location|Location|poloha|Poloha|местоположение|Местоположение|Standort|Localisation|localisation"
    r"|Ubicación|ubicación|Localização|localização|Posizione|posizione|Locatie|locatie|Konum|konum"
    r"|Lokasi|lokasi|लोकेशन|موقع|Lokalizacja|lokalizacja): (?P<url>https?://\S+)"
)
VENUE_IOS_RE = re.compile(r"(?P<venue>[^\n]+?) \((?P<place>[^()\n]+)\): (?P<url>https?://(?:foursquare\.com|maps\.google\.com|goo\.gl/maps|maps\.apple\.com)\S*)")
VENUE_ANDROID_RE = re.compile(r"(?P<venue>[^\n]+)\r?\n(?P<place>[^\n]+)\r?\n(?P<url>https?://(?:foursquare\.com|maps\.google\.com|goo\.gl/maps)\S*)")
LIVE_LOCATION_RE = re.compile(r"(?:live location shared|Live location ended|Standort in Echtzeit geteilt|localização em tempo real compartilhada)", re.IGNORECASE)
MISSED_CALL_RE = re.compile(
    r"(?P<what>Missed (?:group )?(?P<media>voice|video) call|Пропущенный (?P<ru>аудио|видео)звонок|Zmeškaný (?:videohovor|hovor)"
    r"|Verpasster (?:Sprach|Video)anruf|Chamada de (?:voz|vídeo) perdida|Llamada (?:de voz |de video )?perdida"
    r"|Appel (?:vocal|vidéo) manqué|Chiamata (?:vocale|video) persa|Gemiste (?:spraak|video)oproep|Cevapsız (?:sesli|görüntülü) arama"
    r"|मिस्ड (?:वॉइस|वीडियो) कॉल|مكالمة (?:صوتية|فيديو) فائتة)(?:, ?Tap to call back)?.*"
)
POLL_RE = re.compile(r"(?:POLL|ENCUESTA|UMFRAGE|ENQUETE|SONDAGE|SONDAGGIO|ANKET|OPROS|ОПРОС|PEILING|ANKETA):\s*\r?\n.*", re.DOTALL)
EDITED_RE = re.compile(
    r"[ \u00a0]?[\u200e\u200f]*<(?:This message was edited|Diese Nachricht wurde bearbeitet|Mensagem editada"
    r"|Essa mensagem foi editada|Se editó este mensaje\.?|Mensaje editado|Ce message a été modifié|Questo messaggio è stato modificato"
    r"|Dit bericht is bewerkt|Сообщение изменено|Zpráva byla upravena|Bu mesaj düzenlendi|Pesan ini telah diedit"
    r"|यह मैसेज एडिट किया गया था|تم تعديل هذه الرسالة|Wiadomość została edytowana)>\Z"
)
VIEW_ONCE_BODIES = frozenset({"null"})
VIEW_ONCE_RE = re.compile(r"(?:View once (?:photo|video|voice message)|Foto de visualização única|Foto de visualización única)", re.IGNORECASE)

# File name -> media type (WhatsApp's own naming first).
_MEDIA_BY_TAG = (
    (re.compile(r"(?:^|-)(?:PHOTO|IMG)-"), "image"),
    (re.compile(r"(?:^|-)(?:VIDEO|VID)-"), "video"),
    (re.compile(r"(?:^|-)(?:PTT|AUD)-"), "voice"),
    (re.compile(r"(?:^|-)AUDIO-"), "audio"),
    (re.compile(r"(?:^|-)(?:STICKER|STK)-"), "sticker"),
    (re.compile(r"(?:^|-)GIF-"), "gif"),
)
_MEDIA_BY_EXT = {
    "jpg": "image", "jpeg": "image", "png": "image", "heic": "image", "gif": "image", "bmp": "image",
    "mp4": "video", "mov": "video", "3gp": "video", "avi": "video", "mkv": "video",
    "opus": "voice", "ogg": "audio", "mp3": "audio", "m4a": "audio", "aac": "audio", "wav": "audio", "amr": "audio",
    "webp": "sticker", "vcf": "contact",
    "pdf": "document", "doc": "document", "docx": "document", "xls": "document", "xlsx": "document",
    "ppt": "document", "pptx": "document", "txt": "document", "csv": "document", "zip": "document", "rtf": "document",
}


def media_type_of(name: str) -> str:
    """Media type of an attached file from WhatsApp's naming and the extension."""
    base = name.rsplit("/", 1)[-1]
    for rx, kind in _MEDIA_BY_TAG:
        if rx.search(base):
            return kind
    ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    return _MEDIA_BY_EXT.get(ext, "other" if ext else "other")


_TIMER_UNITS = (
    (re.compile(r"^(?:hour|hours|hr|hrs|horas?|Stunden?|heures?|ore|uur|час|часа|часов|hodin|saat|jam|घंटे|ساعة)", re.I), 1 / 24),
    (re.compile(r"^(?:day|days|dias?|días?|Tagen?|jours?|giorni|dagen|дн|dní|dny|gün|hari|दिन|يوم|أيام)", re.I), 1.0),
    (re.compile(r"^(?:week|weeks|semanas?|Wochen?|semaines?|settimane|weken)", re.I), 7.0),
    (re.compile(r"^(?:year|years|anos?|años?|Jahre?|ans?|anni|jaar)", re.I), 365.0),
)


_TIMER_TEXT = re.compile(r"\s*(\d+)\s*(\S+)")


def timer_days(text: str | None) -> float | None:
    """'24 hours' -> 1.0, '7 days' -> 7.0, '90 days' -> 90.0; None when unreadable."""
    if not text:
        return None
    m = _TIMER_TEXT.match(text)
    if not m:
        return None
    n = int(m.group(1))
    unit = m.group(2)
    for rx, days in _TIMER_UNITS:
        if rx.match(unit):
            value = n * days
            return round(value, 6)
    return None


@dataclass(frozen=True, slots=True)
class SystemMatch:
    kind: str
    lang: str
    actor: str | None
    subject: str | None
    value: str | None
    timer_days: float | None


_MEMO: dict[str, SystemMatch | None] = {}
_MEMO_TEXT = 512  # longer lines are matched every time (the memo never holds big texts)
_MEMO_SIZE = 4096
_MISS = object()


def match_system(text: str) -> SystemMatch | None:
    """Classify a sender-less line (marks already stripped).  None when nothing matches.

    The answer depends on the text alone, so short lines are remembered: an export repeats
    the same system lines ("X added Y", "X left") and the patterns are many."""
    if len(text) > _MEMO_TEXT:
        return _match_system(text)
    found = _MEMO.get(text, _MISS)
    if found is _MISS:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        found = _MEMO[text] = _match_system(text)
    return found  # type: ignore[return-value]


def _match_system(text: str) -> SystemMatch | None:
    text = text.translate(NUKTA)
    for pat in SYSTEM_PATTERNS:
        if pat.trigger is not None and pat.trigger not in text:
            continue
        m = pat.regex.fullmatch(text)
        if m is None:
            continue
        gd = m.groupdict()
        timer = gd.get("timer") or gd.get("timer_a")
        days = timer_days(timer)
        if pat.kind == "system:disappearing_off":
            days = 0.0
        actor = gd.get("actor")
        subject = gd.get("subject")
        if pat.kind == "system:participant_added" and actor is None and subject is None:
            subject = "You"
        if pat.kind == "system:participant_removed" and actor is None and subject is None:
            subject = "You"
        return SystemMatch(pat.kind, pat.lang, actor, subject, gd.get("value"), days)
    return None


_NAME_SEPARATORS = re.compile(r", | and | und | e | y | et | и | a | en | ve ")


def split_names(subject: str) -> list[str]:
    """'A, B and C' -> ['A', 'B', 'C'] (English and a few other conjunctions)."""
    parts = _NAME_SEPARATORS.split(subject)
    return [p.strip() for p in parts if p.strip()]


# ------------------------------------------------------------------------------------------
# Exact bodies (after removing marks): looked up in one dict before any regex runs.
# ------------------------------------------------------------------------------------------
def _exact_table() -> dict[str, tuple[str, str | None, bool]]:
    table: dict[str, tuple[str, str | None, bool]] = {}
    for text in DELETED_TEXTS:
        table[text] = ("deleted", None, False)
        table[text + "."] = ("deleted", None, False)
    inner = ANDROID_OMITTED_RE.pattern[len("<(?:") : -len(")>")]
    for text in inner.split("|"):
        table[f"<{text}>"] = ("media_omitted", "other", True)
    for media, rx in IOS_OMITTED:
        for text in rx.split("|"):
            if "?" in text:
                text = text.replace("ات?", "ات")
                table[text.replace("ات", "")] = ("contact" if media == "contact" else "media_omitted", media, True)
            table[text] = ("contact" if media == "contact" else "media_omitted", media, True)
    for text in (
        "Missed voice call", "Missed video call", "Missed group voice call", "Missed group video call",
        "Missed voice call, Tap to call back", "Missed video call, Tap to call back",
        "Пропущенный аудиозвонок", "Пропущенный видеозвонок", "Zmeškaný hovor", "Zmeškaný videohovor",
        "Verpasster Sprachanruf", "Verpasster Videoanruf", "Chamada de voz perdida", "Chamada de vídeo perdida",
        "Llamada perdida", "Llamada de voz perdida", "Llamada de video perdida", "Appel vocal manqué",
        "Appel vidéo manqué", "Chiamata vocale persa", "Chiamata video persa", "Gemiste spraakoproep",
        "Gemiste videooproep", "Cevapsız sesli arama", "Cevapsız görüntülü arama",
    ):
        table[text] = ("missed_call", None, False)
    for text in ("null", "View once photo", "View once video", "View once voice message"):
        table[text] = ("view_once", "other", True)
    for text in ("Live location shared", "live location shared", "Live location ended"):
        table[text] = ("location", None, False)
    return table


EXACT_BODIES = _exact_table()
EXACT_BODIES.update({precomposed(k): v for k, v in list(EXACT_BODIES.items())})
MARK_RE = re.compile(f"[{MARKS}]")
